"""Issue 18 §2, in headless Chromium on the demo data: on a 360 px phone the family's ticket
actions and the partner's entry state and amount are in view without scrolling sideways (each
table row is shown as a card of a list, the table itself hidden), a ticket number stays on one
line, and the pages have zero axe-core violations; at 320 px the same pages still reflow (no
horizontal scroll). At 1280 px the table is shown and the cards are not."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from passplus.accounts.models import User
from passplus.demo.build import DEMO_PASSWORD
from passplus.tickets.models import Ticket, TicketStatus
from tests.helpers.browser import PageChecks, horizontal_overflow, log_in

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
PARTNER_EMAIL = "affilie.1@demo.passplus.fr"

# See test_partner_journey.py for why the test is transactional.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# How many lines an element's text takes: the height of its text (the range of its contents)
# against the element's line height.
TEXT_LINES = """element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const lineHeight = parseFloat(getComputedStyle(element).lineHeight);
    return range.getBoundingClientRect().height / lineHeight;
}"""

# The widest `.table-wrap` overflow: how far its content goes past its own width.
WRAP_OVERFLOW = """() => Math.max(0, ...[...document.querySelectorAll('.table-wrap')].map(
    wrap => wrap.scrollWidth - wrap.clientWidth))"""


# The labels, values and links of the shown cards that are not wholly within the viewport's
# width (or not rendered at all), by their text.
CARDS_OUT_OF_VIEW = """() => [...document.querySelectorAll('.row-cards :is(dt, dd, a)')].filter(
  e => {
    const box = e.getBoundingClientRect();
    return box.width === 0 || box.left < 0 || box.right > window.innerWidth;
}).map(e => e.textContent.trim())"""


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


def assert_in_view(page: Any, locator: Any, what: str, width: int = PHONE["width"]) -> None:
    """The element is rendered fully within the viewport's width, the page not scrolled."""
    assert page.evaluate("() => window.scrollX") == 0
    box = locator.bounding_box()
    assert box is not None, f"{what} is not rendered"
    right = box["x"] + box["width"]
    assert box["x"] >= 0 and right <= width, (
        f"{what} spans x = {box['x']:.0f} to {right:.0f} px, out of the {width} px screen"
    )


def assert_one_line(locator: Any, what: str) -> None:
    lines = locator.evaluate(TEXT_LINES)
    assert lines < 1.6, f"{what} takes {lines:.1f} lines"


def value(card: Any, label: str) -> Any:
    """The value (`dd`) that a card labels `label` (its `dt`)."""
    return card.locator(f"xpath=./dl/div[normalize-space(dt) = '{label}']/dd")


def cards_of(page: Any, title: str) -> Any:
    """The block of cards (`.row-cards`: its title and its list) whose title starts with
    `title`."""
    return page.locator(".row-cards", has=page.locator(".row-cards-title", has_text=title))


@pytest.mark.parametrize("width", [PHONE["width"], 320])
def test_a_family_sees_its_ticket_actions_on_a_phone(
    live_server: Any, demo: None, page: Any, axe_violations: Any, width: int
) -> None:
    email = family_with_printable_ticket()
    checks = PageChecks(page, axe_violations, width, height=PHONE["height"])
    log_in(page, live_server.url, email, DEMO_PASSWORD, landing="/espace-famille/")

    print_link = page.get_by_role(
        "link", name=re.compile(r"^Imprimer le ticket .* \(PDF, environ \d+ Ko\)$")
    )
    card = page.locator("main .row-cards > ul > li").filter(has=print_link).first
    for label in ["Numéro", "Montant", "État", "Utilisation", "Actions"]:
        assert_in_view(page, value(card, label), f"the ticket's {label}", width)
    imprimer = card.get_by_role("link", name=re.compile(r"^Imprimer"))
    assert_in_view(page, imprimer, "Imprimer (PDF)", width)
    assert_in_view(page, card.get_by_role("link", name=re.compile(r"^Annuler")), "Annuler", width)
    number = value(card, "Numéro")
    expect(number).to_have_text(re.compile(r"\d{4} \d{4} \d{4}"))
    assert_one_line(number, "the ticket number")
    assert page.evaluate(WRAP_OVERFLOW) == 0, "a table scrolls sideways"
    checks.check("espace famille")
    checks.assert_clean()


@pytest.mark.parametrize("width", [PHONE["width"], 320])
def test_a_partner_sees_the_state_and_amount_of_its_entries_on_a_phone(
    live_server: Any, demo: None, page: Any, axe_violations: Any, width: int
) -> None:
    organisation = User.objects.get(email=PARTNER_EMAIL).organisation
    assert organisation is not None and organisation.redemptions.exists()
    checks = PageChecks(page, axe_violations, width, height=PHONE["height"])
    log_in(
        page,
        live_server.url,
        PARTNER_EMAIL,
        DEMO_PASSWORD,
        landing="/espace-affilie/saisies/",
        next_path="/espace-affilie/saisies/",
    )

    table = page.locator("table", has=page.locator("caption", has_text="Saisies ("))
    cards = cards_of(page, "Saisies (")
    card = cards.locator(":scope > ul > li").first
    for label in ["Ticket", "Saisi le", "Collégien", "Montant", "État"]:
        expect(value(card, label)).to_have_text(re.compile(r"\S"))  # not empty
        assert_in_view(page, value(card, label), f"the first entry's {label}", width)
    assert_one_line(value(card, "Ticket").get_by_role("link"), "the ticket number")
    assert page.evaluate(WRAP_OVERFLOW) == 0, "a table scrolls sideways"
    # Only the cards are shown, and to assistive technologies they are a named list, one item
    # per row of the (hidden) table, each a description list of the row's values.
    expect(table).to_be_hidden()
    expect(page.locator(".table-wrap", has=table)).to_have_css("display", "none")
    expect(page.get_by_role("table").filter(has_text="Saisies (")).to_have_count(0)
    named_list = page.get_by_role("list", name=re.compile(r"^Saisies \(\d+\)$"))
    rows = table.locator("tbody tr").count()  # the page as served: the test waits for nothing
    assert rows > 0
    expect(named_list.get_by_role("listitem").filter(has=page.locator("dl"))).to_have_count(rows)
    expect(card.get_by_role("term").filter(has_text="Montant")).to_have_count(1)
    checks.check("mes saisies")
    checks.assert_clean()


def test_a_partner_sees_its_entries_as_a_table_on_a_wide_screen(
    live_server: Any, demo: None, page: Any, axe_violations: Any
) -> None:
    """At 1280 px the entries are a table, with its column headers, and the cards are hidden;
    back at 360 px, the other way round."""
    checks = PageChecks(page, axe_violations, DESKTOP["width"], height=DESKTOP["height"])
    log_in(
        page,
        live_server.url,
        PARTNER_EMAIL,
        DEMO_PASSWORD,
        landing="/espace-affilie/saisies/",
        next_path="/espace-affilie/saisies/",
    )
    # By its caption: a role would find the table only while it is shown.
    table = page.locator("table", has=page.locator("caption", has_text="Saisies ("))
    cards = cards_of(page, "Saisies (")
    expect(table).to_be_visible()
    expect(page.get_by_role("table", name=re.compile(r"^Saisies \(\d+\)$"))).to_have_count(1)
    expect(table.get_by_role("columnheader", name="Montant")).to_have_count(1)
    rows = table.locator("tbody tr")
    expect(rows.first).to_be_visible()
    columns = table.locator("thead th").count()  # the page as served
    assert columns > 0
    expect(rows.first.get_by_role("cell")).to_have_count(columns)
    assert_in_view(page, rows.first.locator("td").last, "the first entry's État", DESKTOP["width"])
    expect(cards).to_have_css("display", "none")
    expect(cards).to_be_hidden()
    expect(page.get_by_role("list", name=re.compile(r"^Saisies \("))).to_have_count(0)
    checks.check("mes saisies")
    checks.assert_clean()

    page.set_viewport_size(PHONE)
    expect(cards).to_be_visible()
    expect(table).to_be_hidden()
    expect(page.locator(".table-wrap", has=table)).to_have_css("display", "none")
    expect(cards).to_have_css("display", "block")
    expect(page.get_by_role("table", name=re.compile(r"^Saisies \("))).to_have_count(0)


@pytest.mark.parametrize("width", [PHONE["width"], 320])
def test_the_family_and_partner_tables_fit_the_screen(
    live_server: Any, demo: None, page: Any, width: int
) -> None:
    """No table of these pages scrolls sideways, at 320 px the pages still reflow, and every
    label, value and link of their cards is within the screen's width."""
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
        expect(page.locator(".row-cards dl").first).to_be_visible()
        expect(page.locator(".table-wide table").first).to_be_hidden()
        assert page.evaluate(CARDS_OUT_OF_VIEW) == [], path
