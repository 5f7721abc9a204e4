"""Step 7: signing with a code sent by SMS, and what a signature produces (sealed PDF,
affiliation, pending bank account, e-mail)."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.conventions.models import Convention, ConventionStatus
from passplus.notifications import sms
from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import BankAccount, Organisation
from passplus.signatures.models import OneTimeCode, SignatureRequest, SignatureStatus
from tests.helpers.affiliation import (
    contact_data,
    fill_until,
    last_sms_code,
    post_step,
    signing_partner,
    step_url,
)
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.factories import ConventionFactory, OrganisationFactory, UserFactory
from tests.helpers.pages import parse_html, text_of
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(client: Client) -> Organisation:
    user = signing_partner(client)
    fill_until(client, "conditions")
    assert user.organisation is not None
    return user.organisation


def send_code(client: Client) -> Any:
    return client.post(step_url("signature"), {"action": "send"}, follow=True)


def type_code(client: Client, code: str, **extra: Any) -> Any:
    return client.post(step_url("signature"), {"action": "verify", "code": code}, **extra)


def code_error(response: Any) -> str:
    return text_of(parse_html(response), "#id_code_error")


def unsigned(partner: Organisation) -> AbstractContextManager[None]:
    """The rows a signature would change (organisation, convention, signature request) and the
    bank accounts it would create. A wrong try is counted on its code (OneTimeCode.attempts,
    by design): the code's row is not compared."""
    return assert_unchanged(
        partner,
        Convention.objects.get(organisation=partner),
        SignatureRequest.objects.get(),
        counted=[BankAccount, OneTimeCode, DBTaskResult],
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def allow_next_code() -> None:
    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=1))


def test_the_code_goes_by_sms_to_the_representative_and_is_stored_hashed(
    client: Client, partner: Organisation
) -> None:
    response = send_code(client)

    assert "06 •• •• •• 78" not in text_of(parse_html(response), "main")  # E.164 masked
    assert "+33 6 •• •• •• 78" in text_of(parse_html(response), "main")
    code = last_sms_code()
    assert [message.to for message in sms.outbox] == ["+33612345678"]
    stored = OneTimeCode.objects.get()
    assert code not in stored.code_hash and len(stored.code_hash) == 64


def test_a_second_code_within_thirty_seconds_is_refused(
    client: Client, partner: Organisation
) -> None:
    send_code(client)
    with assert_unchanged(counted=[OneTimeCode, DBTaskResult]):
        response = send_code(client)
    assert "Attendez" in text_of(parse_html(response), ".messages")


def test_a_wrong_code_is_not_shown_again_in_the_field(
    client: Client, partner: Organisation
) -> None:
    """Issue 18: the wrong code stayed in the field, to be corrected digit by digit."""
    send_code(client)
    typed = wrong(last_sms_code())
    with unsigned(partner):
        page = parse_html(type_code(client, typed))
    field = page.select_one("#id_code")
    assert field is not None and not field.get("value")
    assert typed not in str(page)
    assert "Il vous reste 4 essai" in text_of(page, "#id_code_error")


def test_a_wrong_code_counts_and_the_sixth_try_is_refused_even_when_right(
    client: Client, partner: Organisation
) -> None:
    send_code(client)
    code = last_sms_code()

    with unsigned(partner):
        assert "Il vous reste 4 essai" in code_error(type_code(client, wrong(code)))
        for _ in range(4):
            response = type_code(client, wrong(code))
    assert "plus d'essai" in code_error(response)

    with unsigned(partner):
        response = type_code(client, code)
    assert "Trop d'essais" in code_error(response)
    partner.refresh_from_db()
    assert partner.status == OrganisationStatus.SIGNING


def test_an_expired_code_is_refused(client: Client, partner: Organisation) -> None:
    send_code(client)
    code = last_sms_code()
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    with unsigned(partner):
        assert "expiré" in code_error(type_code(client, code))
    assert Convention.objects.get().status == ConventionStatus.PENDING


def test_at_most_five_codes_per_signature(client: Client, partner: Organisation) -> None:
    for _ in range(5):
        send_code(client)
        allow_next_code()
    with assert_unchanged(counted=[OneTimeCode, DBTaskResult]):
        response = send_code(client)
    assert "nombre maximal de codes" in text_of(parse_html(response), ".messages")


def test_a_change_after_the_code_was_sent_invalidates_it(
    client: Client, partner: Organisation
) -> None:
    send_code(client)
    code = last_sms_code()
    post_step(client, "coordonnees", contact_data(public_contact_name="Autre contact"))
    # The signature step is closed again until the new data is reviewed and accepted...
    assert client.get(step_url("signature"))["Location"] == step_url("recapitulatif")
    post_step(client, "recapitulatif", {})

    # ...and the code sent for the old data no longer signs.
    with unsigned(partner):
        response = type_code(client, code)
    assert "ont changé depuis l'envoi du code" in code_error(response)
    assert Convention.objects.get().status == ConventionStatus.PENDING


def test_the_right_code_signs_seals_affiliates_and_e_mails_the_convention(
    client: Client, partner: Organisation
) -> None:
    send_code(client)
    code = last_sms_code()
    mail.outbox.clear()

    response = type_code(
        client, code, HTTP_USER_AGENT="Mozilla/5.0 (Android)", REMOTE_ADDR="198.51.100.4"
    )

    convention = Convention.objects.get()
    assert response["Location"] == reverse("partner:convention", args=[convention.pk])
    assert convention.status == ConventionStatus.SIGNED
    pdf = convention.signed_pdf.read()
    assert pdf.startswith(b"%PDF") and b"/ByteRange" in pdf
    partner.refresh_from_db()
    assert partner.status == OrganisationStatus.AFFILIATED
    assert BankAccount.objects.get(organisation=partner).status == BankAccountStatus.PENDING
    signature = SignatureRequest.objects.get()
    assert signature.status == SignatureStatus.SIGNED
    assert (signature.signed_ip, signature.signed_user_agent) == (
        "198.51.100.4",
        "Mozilla/5.0 (Android)",
    )
    assert len(signature.document_sha256) == 64
    assert ("organisation.affiliate", partner.members.get().pk) in audit_trail(partner)
    assert mail.outbox == []  # queued in the signing transaction
    run_queued_tasks()
    (message,) = mail.outbox
    assert set(message.to) == {"president@usn.example.fr", "jeanne.martin@usn.example.fr"}
    (attachment,) = message.attachments
    assert attachment.content == pdf
    assert message.alternatives and "signée" in message.alternatives[0][0]


def test_the_signed_convention_stays_downloadable_by_its_organisation_only(
    client: Client, partner: Organisation
) -> None:
    send_code(client)
    type_code(client, last_sms_code())
    convention = Convention.objects.get()

    response = client.get(reverse("partner:convention_pdf", args=[convention.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    home = parse_html(client.get(reverse("partner:home")))
    assert home.find("a", href=reverse("partner:convention_pdf", args=[convention.pk]))

    intruder = Client()
    intruder.force_login(UserFactory(organisation_member=True))
    for name in ("partner:convention", "partner:convention_pdf"):
        assert intruder.get(reverse(name, args=[convention.pk])).status_code == 404


def test_an_unsigned_convention_cannot_be_downloaded(client: Client) -> None:
    organisation = OrganisationFactory()
    convention = ConventionFactory(organisation=organisation)
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    assert client.get(reverse("partner:convention_pdf", args=[convention.pk])).status_code == 404
