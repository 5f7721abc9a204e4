"""Issue 33 (done means): on a 360 × 740 phone, the home page of each space shows its main
heading and its first primary action without scrolling (bounding box bottom ≤ 740), with zero
axe-core violations. In headless Chromium on the demo data.

The family's home: its first action is « Créer un ticket pour <first child> », right under that
child's name and credit left (the tickets and the explanations come after; the demo's first
family has two children, each with a sport and a culture credit and tickets)."""

from __future__ import annotations

from typing import Any

import pytest

from passplus.demo.build import DEMO_DOMAIN, DEMO_PASSWORD
from tests.helpers.browser import PageChecks, log_in, log_in_staff

PHONE = {"width": 360, "height": 740}
# The first primary action of a page: its first button styled as the main action.
PRIMARY = "main :is(a, button).button:not(.button-secondary):not(.button-danger)"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def assert_above_the_fold(page: Any, locator: Any, what: str) -> None:
    assert page.evaluate("() => window.scrollY") == 0
    box = locator.bounding_box()
    assert box is not None, f"{what} is not rendered"
    bottom = box["y"] + box["height"]
    assert bottom <= PHONE["height"], f"{what} ends at {bottom:.0f} px, below the 740 px fold"


@pytest.mark.parametrize(
    ("email", "landing"),
    [
        ("", "/"),
        ("affilie.1", "/espace-affilie/"),
        ("correspondant.1", "/espace-correspondant/"),
        ("famille.1", "/espace-famille/"),
    ],
    ids=["public", "partner", "correspondent", "family"],
)
def test_the_home_of_each_space_shows_its_heading_and_first_action_on_a_phone(
    live_server: Any, demo: None, page: Any, axe_violations: Any, email: str, landing: str
) -> None:
    checks = PageChecks(page, axe_violations, PHONE["width"], height=PHONE["height"])
    if email:
        log_in(page, live_server.url, f"{email}@{DEMO_DOMAIN}", DEMO_PASSWORD, landing=landing)
    else:
        page.goto(f"{live_server.url}{landing}")

    assert_above_the_fold(page, page.locator("main h1"), "the main heading")
    assert_above_the_fold(page, page.locator(PRIMARY).first, "the first primary action")
    checks.check(landing)
    checks.assert_clean()


def test_the_back_office_home_shows_its_heading_and_first_action_on_a_phone(
    live_server: Any, demo: None, page: Any, axe_violations: Any
) -> None:
    checks = PageChecks(page, axe_violations, PHONE["width"], height=PHONE["height"])
    log_in_staff(
        page, live_server.url, f"gestionnaire@{DEMO_DOMAIN}", DEMO_PASSWORD, lambda _: None
    )

    assert_above_the_fold(page, page.locator("main h1"), "the main heading")
    # A dashboard: its first action is the school year's selector.
    assert_above_the_fold(page, page.locator("main :is(a, button)").first, "the first action")
    checks.check("/gestion/")
    checks.assert_clean()
