"""The whole affiliation as people live it: a correspondent registers the identification form,
the contact follows the link in the e-mail, fills in the wizard, receives the code by SMS, signs,
and receives the sealed convention by e-mail — which pyHanko validates."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import Organisation
from passplus.signatures import sealing
from tests.helpers.affiliation import (
    account_data,
    bank_data,
    contact_data,
    correspondent_of,
    eligibility_data,
    fill_until,
    identification_data,
    last_sms_code,
    path_of,
    signing_partner,
)
from tests.helpers.factories import ConventionVersionFactory
from tests.helpers.pages import parse_html, text_of
from tests.helpers.smtp import SmtpServer, free_port
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def follow_form(client: Client, url: str, data: dict[str, object]) -> str:
    """GET the page (as a browser would), POST the form, return where it leads."""
    assert client.get(url).status_code == 200, url
    response = client.post(url, data)
    assert response.status_code == 302, (url, text_of(parse_html(response), "main"))
    return str(response["Location"])


def test_from_identification_form_to_sealed_convention_in_the_mailbox() -> None:
    ConventionVersionFactory()
    correspondent = Client()
    correspondent.force_login(correspondent_of("92050"))
    follow_form(correspondent, reverse("correspondent:register"), identification_data())

    run_queued_tasks()
    (invitation,) = mail.outbox
    link = re.search(r"https?://\S+/invitation/\S+/", invitation.body).group(0)  # type: ignore[union-attr]

    partner = Client()
    url = follow_form(partner, path_of(link), account_data())
    url = partner.get(url)["Location"]  # "Reprendre" leads to the first step to do
    url = follow_form(partner, url, eligibility_data())
    url = follow_form(partner, url, contact_data())
    url = follow_form(partner, url, bank_data())
    url = follow_form(partner, url, {})  # "Valider les données saisies"
    url = follow_form(partner, url, {"accept_rules": "on", "accept_terms": "on"})
    partner.post(url, {"action": "send"})
    code = last_sms_code()
    signed_page = follow_form(partner, url, {"action": "verify", "code": code})

    assert "Convention signée" in text_of(parse_html(partner.get(signed_page)), "h1")
    assert Organisation.objects.get().status == OrganisationStatus.AFFILIATED
    run_queued_tasks()
    confirmation = mail.outbox[-1]
    assert "convention signée" in confirmation.subject
    ((filename, content, mimetype),) = confirmation.attachments
    assert filename.endswith(".pdf") and mimetype == "application/pdf"

    reader = PdfFileReader(BytesIO(content))
    (signature,) = reader.embedded_signatures
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[sealing.seal_trust_root()])
    )
    assert status.intact and status.valid and status.trusted


def test_the_confirmation_e_mail_goes_through_a_real_smtp_server(
    client: Client, settings: Any
) -> None:
    signing_partner(client)
    fill_until(client, "conditions")
    client.post(reverse("partner:affiliation_step", args=["signature"]), {"action": "send"})
    code = last_sms_code()
    port = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    server = SmtpServer(port)
    mailbox = server.start()
    try:
        client.post(
            reverse("partner:affiliation_step", args=["signature"]),
            {"action": "verify", "code": code},
        )
        run_queued_tasks()
    finally:
        server.stop()

    (message,) = mailbox.messages()
    assert "president@usn.example.fr" in message["To"]
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "signée électroniquement" in html.get_content()
    (attachment,) = message.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    reader = PdfFileReader(BytesIO(attachment.get_content()))
    (signature,) = reader.embedded_signatures
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[sealing.seal_trust_root()])
    )
    assert status.intact and status.valid and status.trusted
