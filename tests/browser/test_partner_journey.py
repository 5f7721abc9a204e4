"""End to end, in headless Chromium: a demo partner logs in and reaches its space; the pages
it goes through and the public pages have no axe-core violation and no horizontal scroll on a
360 px wide phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from passplus.accounts.models import User
from passplus.demo.build import DEMO_PASSWORD
from tests.helpers.browser import PageChecks, fill_login_form, watch_errors

PARTNER_EMAIL = "affilie.1@demo.passplus.fr"
PHONE = {"width": 360, "height": 740}

# transaction=True: the live server thread must see the demo data (no wrapping transaction).
# A previous transactional test's flush may have removed the communes that a data migration
# loads: the demo and the factories load them again when there are none
# (territory.models.default_communes_ensure). No serialized rollback: it re-inserts content types
# that the flush's post_migrate has already recreated, which fails as soon as tests run in any
# order (pytest-xdist).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_partner_logs_in_and_its_space_is_accessible(
    live_server: Any, demo: None, page: Any, axe_violations: Any
) -> None:
    organisation = User.objects.get(email=PARTNER_EMAIL).organisation
    assert organisation is not None
    errors = watch_errors(page)

    page.goto(f"{live_server.url}/compte/connexion/")
    report = axe_violations()
    assert not report, report
    fill_login_form(page, PARTNER_EMAIL, DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/espace-affilie/")

    expect(page.locator("h1")).to_contain_text(organisation.display_name)
    report = axe_violations()
    assert not report, report

    page.set_viewport_size(PHONE)
    page.reload()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"horizontal scroll at 360 px: page is {width} px wide"
    # On a phone the tables scroll inside their wrapper: it must be reachable by keyboard.
    report = axe_violations()
    assert not report, report
    assert errors == []


@pytest.mark.parametrize("width", [1280, PHONE["width"]])
def test_public_pages_are_accessible(
    live_server: Any, demo: None, page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width)
    for path in ["/", "/annuaire/", "/compte/connexion/"]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        checks.check(path)
    checks.assert_clean()
