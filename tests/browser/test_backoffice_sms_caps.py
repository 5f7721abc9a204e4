""" "À traiter" lists the organisations and numbers at their SMS cap, in headless Chromium on a
phone and a desktop (zero axe-core violations); the numbers are masked."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.helpers.browser import PageChecks, log_in_staff
from tests.helpers.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.helpers.sms_codes import seed_codes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("width", [360, 1280])
def test_capped_senders_are_listed_to_do(
    live_server: Any, page: Any, axe_violations: Any, width: int
) -> None:
    club = OrganisationFactory(legal_name="Club plafonné")
    sent_at = timezone.now() - dt.timedelta(hours=2)
    for index in range(10):
        seed_codes(1, phone=f"+3361122{index:04d}", organisation=club, at=sent_at)
    seed_codes(5, phone="+33698765432", at=sent_at)
    gestionnaire = UserFactory(gestionnaire=True)
    checks = PageChecks(page, axe_violations, width)
    log_in_staff(page, live_server.url, gestionnaire.email, PASSWORD, lambda _: None)

    page.goto(f"{live_server.url}/gestion/a-traiter/")
    checks.check("à traiter, des SMS plafonnés")

    listed = page.locator("#sms-plafonds")
    expect(listed).to_contain_text("Club plafonné")
    expect(listed).to_contain_text("+33 6 •• •• •• 32")
    assert "98765432" not in page.content()
    page.get_by_role("link", name="Club plafonné").click()
    expect(page.locator("h1")).to_have_text(re.compile("^Club plafonné"))
    checks.assert_clean()
