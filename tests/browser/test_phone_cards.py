"""Issue 18 §2, in headless Chromium on the demo data: on a 360 px phone the family's ticket
actions and the partner's entry state and amount are in view without scrolling sideways (each
table row is shown as a card), a ticket number stays on one line, and the pages have zero
axe-core violations; at 320 px the same pages still reflow (no horizontal scroll)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from passplus.accounts.models import User
from passplus.demo.build import DEMO_PASSWORD
from passplus.tickets.models import Ticket, TicketStatus
from tests.helpers.browser import PageChecks, horizontal_overflow, log_in

PHONE = {"width": 360, "height": 740}
PARTNER_EMAIL = "affilie.1@demo.passplus.fr"

# See test_partner_journey.py for why the test is transactional.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# How many lines an element's text takes: the height of its text (the range of its contents,
# so a cell's `::before` label is left out) against the element's line height.
TEXT_LINES = """element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const lineHeight = parseFloat(getComputedStyle(element).lineHeight);
    return range.getBoundingClientRect().height / lineHeight;
}"""

# The widest `.table-wrap` overflow: how far its content goes past its own width.
WRAP_OVERFLOW = """() => Math.max(0, ...[...document.querySelectorAll('.table-wrap')].map(
    wrap => wrap.scrollWidth - wrap.clientWidth))"""


def family_with_printable_ticket() -> str:
    """The e-mail of the first demo family with a ticket it may still print and cancel."""
    for ticket in (
        Ticket.objects.filter(status=TicketStatus.AVAILABLE)
        .select_related("wallet__school_year", "wallet__pupil__family__user")
        .order_by("pk")
    ):
        if ticket.is_printable():
            return ticket.wallet.pupil.family.user.email
    pytest.fail("the demo has no printable ticket")


def assert_in_view(page: Any, locator: Any, what: str) -> None:
    """The element is rendered fully within the viewport's width, the page not scrolled."""
    assert page.evaluate("() => window.scrollX") == 0
    box = locator.bounding_box()
    assert box is not None, f"{what} is not rendered"
    right = box["x"] + box["width"]
    assert box["x"] >= 0 and right <= PHONE["width"], (
        f"{what} spans x = {box['x']:.0f} to {right:.0f} px, out of the {PHONE['width']} px screen"
    )


def assert_one_line(locator: Any, what: str) -> None:
    lines = locator.evaluate(TEXT_LINES)
    assert lines < 1.6, f"{what} takes {lines:.1f} lines"


def column(table: Any, row: Any, header: str) -> Any:
    """The cell of `row` under the column headed `header` (the header row stays in the DOM
    when the rows are shown as cards)."""
    headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    return row.locator("td").nth(headers.index(header))


def test_a_family_sees_its_ticket_actions_on_a_phone(
    live_server: Any, demo: None, page: Any, axe_violations: Any
) -> None:
    email = family_with_printable_ticket()
    checks = PageChecks(page, axe_violations, PHONE["width"], height=PHONE["height"])
    log_in(page, live_server.url, email, DEMO_PASSWORD, landing="/espace-famille/")

    print_link = page.get_by_role(
        "link", name=re.compile(r"^Imprimer le ticket .* \(PDF, environ \d+ Ko\)$")
    )
    row = page.locator("main tbody tr").filter(has=print_link).first
    assert_in_view(page, row.get_by_role("link", name=re.compile(r"^Imprimer")), "Imprimer (PDF)")
    assert_in_view(page, row.get_by_role("link", name=re.compile(r"^Annuler")), "Annuler")
    number = row.locator("td").first
    assert re.search(r"\d{4} \d{4} \d{4}", number.inner_text())
    assert_one_line(number, "the ticket number")
    assert page.evaluate(WRAP_OVERFLOW) == 0, "a table scrolls sideways"
    checks.check("espace famille")
    checks.assert_clean()


def test_a_partner_sees_the_state_and_amount_of_its_entries_on_a_phone(
    live_server: Any, demo: None, page: Any, axe_violations: Any
) -> None:
    organisation = User.objects.get(email=PARTNER_EMAIL).organisation
    assert organisation is not None and organisation.redemptions.exists()
    checks = PageChecks(page, axe_violations, PHONE["width"], height=PHONE["height"])
    log_in(
        page,
        live_server.url,
        PARTNER_EMAIL,
        DEMO_PASSWORD,
        landing="/espace-affilie/saisies/",
        next_path="/espace-affilie/saisies/",
    )

    table = page.locator("table", has=page.locator("caption", has_text="Saisies ("))
    row = table.locator("tbody tr").first
    assert_in_view(page, column(table, row, "État"), "the first entry's État")
    assert_in_view(page, column(table, row, "Montant"), "the first entry's Montant")
    assert_one_line(column(table, row, "Ticket").get_by_role("link"), "the ticket number")
    assert page.evaluate(WRAP_OVERFLOW) == 0, "a table scrolls sideways"
    # Shown as cards, the table is still a table to assistive technologies.
    assert table.get_by_role("columnheader", name="Montant").count() == 1
    assert row.get_by_role("cell").count() == len(table.locator("thead th").all())
    checks.check("mes saisies")
    checks.assert_clean()


@pytest.mark.parametrize("width", [PHONE["width"], 320])
def test_the_family_and_partner_tables_fit_the_screen(
    live_server: Any, demo: None, page: Any, width: int
) -> None:
    """No table of these pages scrolls sideways, and at 320 px the pages still reflow."""
    organisation = User.objects.get(email=PARTNER_EMAIL).organisation
    assert organisation is not None
    payment = organisation.payments.order_by("pk").first()
    assert payment is not None
    page.set_viewport_size({"width": width, "height": 640})
    pages = [(family_with_printable_ticket(), "/espace-famille/")] + [
        (PARTNER_EMAIL, path)
        for path in [
            "/espace-affilie/",
            "/espace-affilie/saisies/",
            "/espace-affilie/remboursements/",
            f"/espace-affilie/remboursements/{payment.pk}/",
        ]
    ]
    for email, path in pages:
        page.context.clear_cookies()
        log_in(page, live_server.url, email, DEMO_PASSWORD, landing=path, next_path=path)
        assert horizontal_overflow(page) == 0, path
        assert page.evaluate(WRAP_OVERFLOW) == 0, f"a table of {path} scrolls sideways"
