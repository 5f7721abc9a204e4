"""Issue 33 §4 at 1280 px, in headless Chromium: a correspondent filters her organisations by
state without script, sees the invitation's date and contact, and « Révoquer… » leads to a
confirmation page before anything is revoked; axe-core finds nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from passplus.accounts.models import Invitation
from tests.helpers.affiliation import correspondent_of, register
from tests.helpers.browser import PageChecks, log_in
from tests.helpers.factories import OrganisationFactory, commune

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_correspondent_filters_her_table_and_confirms_a_revocation(
    live_server: Any, page: Any, axe_violations: Any
) -> None:
    correspondent = correspondent_of("92050")
    client = Client()
    client.force_login(correspondent)
    assert register(client).status_code == 302
    OrganisationFactory(public_name="Cirque de Nanterre", commune=commune("92050"), signing=True)
    checks = PageChecks(page, axe_violations, 1280)
    log_in(page, live_server.url, correspondent.email, landing="/espace-correspondant/")

    page.get_by_label("État", exact=True).select_option(label="En cours de signature")
    page.get_by_role("button", name="Afficher").click()
    table = page.locator("#organismes")
    expect(table).to_contain_text("Cirque de Nanterre")
    expect(table).not_to_contain_text("USN")
    expect(table).to_contain_text("Étape 2 sur 7")
    checks.check("organismes filtrés")

    page.get_by_label("État", exact=True).select_option(label="Identifié")
    page.get_by_role("button", name="Afficher").click()
    expect(table).to_contain_text("Jeanne Martin")
    expect(table).to_contain_text(re.compile(r"Invitation envoyée le \d\d/\d\d/\d{4}"))
    checks.check("organismes identifiés")
    table.get_by_role("link", name=re.compile("^Révoquer")).click()
    expect(page.locator("h1")).to_contain_text("Révoquer l'invitation")
    assert Invitation.objects.get().revoked_at is None
    checks.check("confirmation de révocation")
    page.get_by_role("button", name="Révoquer l'invitation").click()
    expect(page.locator("main")).to_contain_text("est révoquée")
    assert Invitation.objects.get().revoked_at is not None
    checks.assert_clean()
