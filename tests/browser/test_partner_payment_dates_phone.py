"""Issue 33 §3 on a 360 × 740 phone: a club treasurer can plan on the money. « Mes
remboursements » shows the next transfer « vers le <expected day> » on the first screen, and each
paid transfer its payment date (not its run's cut-off); an entry's page names the day of the
transfer it will be in. Each date is on screen, inside the phone's width, at the body's text
size (not a small print), and every page has zero axe-core violations.

The expected day is the payment calendar's (tests/www/partner/test_partner_next_transfer.py
checks its arithmetic on fixed dates); here it is read from the same calendar for today."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from passplus.payments.calendar import expected_payment_day, next_cut_off
from tests.helpers.browser import PageChecks, log_in
from tests.helpers.factories import (
    BankAccountFactory,
    OrganisationFactory,
    PaymentFactory,
    RedemptionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
PARIS = ZoneInfo("Europe/Paris")
BODY_TEXT_PX = 16  # html { font-size: 100% }: the text size a phone user reads everywhere

# The element's box and text size, as the browser laid it out.
LAYOUT = """e => {
  const box = e.getBoundingClientRect();
  return {left: box.left, right: box.right, top: box.top, bottom: box.bottom,
          width: box.width, fontSize: parseFloat(getComputedStyle(e).fontSize)};
}"""


@pytest.fixture
def treasurer() -> dict[str, Any]:
    """A club with a validated account, a transfer paid on 07/12/2026 (its run's cut-off was
    16/11/2026) and three tickets entered today, waiting for the next transfer (created before
    `page`, so before the browser starts)."""
    organisation = OrganisationFactory()
    BankAccountFactory(organisation=organisation, validated=True)
    user = UserFactory(organisation_member=True, organisation=organisation)
    paid = PaymentFactory(
        organisation=organisation,
        paid=True,
        amount_cents=4500,
        run__cut_off=dt.datetime(2026, 11, 16, tzinfo=PARIS),
        settled_at=dt.datetime(2026, 12, 7, 10, tzinfo=PARIS),
    )
    RedemptionFactory(organisation=organisation, reimbursed=True, payment=paid, amount_cents=4500)
    waiting = [RedemptionFactory(organisation=organisation, amount_cents=2000) for _ in range(3)]
    return {"email": user.email, "waiting": waiting[0]}


def assert_readable(page: Any, locator: Any, what: str, *, on_first_screen: bool = False) -> None:
    """Shown, wholly inside the phone's width, at the body's text size at least; with
    `on_first_screen`, also above the fold (the page not scrolled)."""
    expect(locator).to_be_visible()
    layout = locator.evaluate(LAYOUT)
    assert layout["width"] > 0, f"{what} is not laid out"
    assert layout["left"] >= 0 and layout["right"] <= PHONE["width"], f"{what} overflows: {layout}"
    assert layout["fontSize"] >= BODY_TEXT_PX, f"{what} is in {layout['fontSize']} px text"
    if on_first_screen:
        assert page.evaluate("() => window.scrollY") == 0
        assert layout["bottom"] <= PHONE["height"], f"{what} ends below the fold: {layout}"


def test_a_treasurer_reads_the_payment_dates_on_a_phone(
    live_server: Any, treasurer: dict[str, Any], page: Any, axe_violations: Any
) -> None:
    checks = PageChecks(page, axe_violations, PHONE["width"], height=PHONE["height"])
    expected_on = expected_payment_day(next_cut_off(timezone.now()))
    listing = reverse("partner:reimbursements")
    log_in(page, live_server.url, treasurer["email"], landing=listing, next_path=listing)

    next_transfer = page.locator("main .next-transfer strong")
    expect(next_transfer).to_have_text(
        f"Prochain virement : 60,00 € pour 3 tickets, vers le {expected_on:%d/%m/%Y}"
    )
    assert_readable(page, next_transfer, "the next transfer", on_first_screen=True)
    expect(page.locator("main")).not_to_contain_text("coupure")
    # On a phone the transfers are cards (the wide table is hidden): the paid one is named by
    # the day it was paid, never by its run's cut-off.
    expect(page.locator(".table-wide table")).to_be_hidden()
    paid_title = page.locator(".row-cards").get_by_role("link", name="Virement payé le 07/12/2026")
    assert_readable(page, paid_title, "the paid transfer's date")
    expect(page.locator(".row-cards")).not_to_contain_text("16/11/2026")
    checks.check("mes remboursements")

    paid_title.click()
    page.wait_for_url(f"{live_server.url}/espace-affilie/remboursements/*/")
    heading = page.locator("main h1")
    expect(heading).to_have_text("Virement payé le 07/12/2026")
    assert_readable(page, heading, "the transfer's heading", on_first_screen=True)
    checks.check("virement payé")

    entry = reverse("partner:redemption", args=[treasurer["waiting"].pk])
    page.goto(f"{live_server.url}{entry}")
    promise = page.locator("main p", has_text="Ce ticket sera payé dans le virement attendu")
    expect(promise).to_have_text(
        f"Ce ticket sera payé dans le virement attendu vers le {expected_on:%d/%m/%Y}."
    )
    assert_readable(page, promise, "the entry's transfer day", on_first_screen=True)
    checks.check("saisie en attente de virement")

    checks.assert_clean()
