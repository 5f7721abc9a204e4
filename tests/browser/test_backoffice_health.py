"""The health page (`/sante/detail/`) in headless Chromium on a phone and a desktop: reached
from the back office's menu, zero axe-core violations, no sideways scroll."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import PageChecks, log_in_staff
from tests.helpers.factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("width", [360, 1280])
def test_the_health_page_is_reached_from_the_menu_and_accessible(
    live_server: Any, page: Any, axe_violations: Any, width: int
) -> None:
    gestionnaire = UserFactory(gestionnaire=True)
    checks = PageChecks(page, axe_violations, width)
    log_in_staff(page, live_server.url, gestionnaire.email, PASSWORD, lambda _: None)

    page.get_by_role("navigation", name="Pages de gestion").get_by_role(
        "link", name="Santé du service"
    ).click()
    page.wait_for_url(f"{live_server.url}/sante/detail/")
    checks.check("santé du service")

    table = page.get_by_role("table", name="Vérifications")
    expect(table.get_by_role("rowheader", name="Certificat du cachet")).to_have_count(1)
    checks.assert_clean()
