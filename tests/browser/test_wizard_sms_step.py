"""Issue 33 §6 in headless Chromium at 360 px: the wizard's SMS step, walked by the treasurer
who is not the legal representative. The page names the representative and the number's
ending, says to ask them for the code; once sent, the code field comes before « Envoyer un
nouveau code au représentant légal ». Zero axe-core violations, no horizontal scroll."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import Organisation
from tests.helpers.affiliation import (
    STRONG_PASSWORD,
    fill_until,
    last_sms_code,
    signing_partner,
)
from tests.helpers.browser import PageChecks, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_treasurer_asks_the_representative_for_the_code_at_360_px(
    live_server: Any, page: Any, axe_violations: Any
) -> None:
    client = Client()
    treasurer = signing_partner(client)
    fill_until(client, "conditions")
    checks = PageChecks(page, axe_violations, 360)
    log_in(
        page,
        live_server.url,
        treasurer.email,
        STRONG_PASSWORD,
        landing=re.compile(r"/espace-affilie/"),
        next_path="/espace-affilie/adhesion/signature/",
    )
    page.goto(f"{live_server.url}/espace-affilie/adhesion/signature/")

    main = page.get_by_role("main")
    expect(main).to_contain_text("sur le portable de Paul Durand, représentant légal")
    expect(main).to_contain_text("numéro se terminant par 78")
    expect(main).to_contain_text("demandez-lui de vous communiquer le code")
    checks.check("signature")
    page.get_by_role("button", name="Envoyer le code au représentant légal").click()

    resend = page.get_by_role("button", name="Envoyer un nouveau code au représentant légal")
    expect(resend).to_be_visible()
    code_field = page.get_by_label("Code reçu par SMS")
    code_box = code_field.bounding_box()
    resend_box = resend.bounding_box()
    assert code_box is not None and resend_box is not None
    assert resend_box["y"] > code_box["y"]
    checks.check("signature, code envoyé")
    code_field.fill(last_sms_code())
    page.get_by_role("button", name="Signer la convention").click()

    page.wait_for_url(re.compile(r"/espace-affilie/conventions/\d+/$"))
    assert Organisation.objects.get().status == OrganisationStatus.AFFILIATED
    checks.assert_clean()
