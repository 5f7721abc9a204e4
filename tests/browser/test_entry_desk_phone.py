"""Issue 33 §2: ticket entry at the desk on a 360 × 740 phone. The confirmation screen shows the
child, the amount and « Confirmer la saisie » without scrolling, and on the receipt « Saisir un
autre ticket » comes before « Annuler la saisie » in the tab order."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from passplus.tickets.models import Redemption, RedemptionStatus
from passplus.tickets.numbers import format_ticket_number
from tests.helpers.browser import PageChecks, log_in
from tests.helpers.factories import ActivityFactory, OrganisationFactory, TicketFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def within_viewport(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.parametrize("width", [360, 1280])
def test_the_desk_confirms_above_the_fold_and_cancels_only_after_confirming(
    live_server: Any, page: Any, axe_violations: Any, width: int
) -> None:
    organisation = OrganisationFactory(legal_name="Club de judo")
    ActivityFactory(organisation=organisation, name="Judo")  # the only activity
    user = UserFactory(organisation_member=True, organisation=organisation)
    ticket = TicketFactory(amount_cents=2500)
    pupil = ticket.wallet.pupil
    checks = PageChecks(page, axe_violations, width, height=740)
    log_in(
        page,
        live_server.url,
        user.email,
        next_path="/espace-affilie/tickets/saisir/",
        landing=re.compile(r"/tickets/saisir/$"),
    )
    page.get_by_label("Numéro du ticket").fill(format_ticket_number(ticket.number))
    page.get_by_label("Date de naissance de l'enfant").fill("2013-04-12")
    page.get_by_role("button", name="Rechercher le ticket").click()
    page.wait_for_url(re.compile(r"/tickets/confirmer/$"))
    checks.check("confirmation")

    main = page.locator("main")
    child = main.get_by_text(f"{pupil.first_name} {pupil.last_name}", exact=True)
    amount = main.get_by_text("25,00 €", exact=True)
    confirm = page.get_by_role("button", name="Confirmer la saisie")
    for locator in (child, amount, confirm):
        expect(locator).to_be_visible()
    assert within_viewport(page, child), "child below the fold"
    assert within_viewport(page, amount), "amount below the fold"
    assert within_viewport(page, confirm), "« Confirmer la saisie » below the fold"
    # The only activity is chosen without a select; no « Prolonger » while time remains.
    expect(page.get_by_label("Activité concernée")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Prolonger"))).to_have_count(0)
    confirm.click()

    page.wait_for_url(re.compile(r"/saisies/\d+/$"))
    checks.check("reçu")
    redemption = Redemption.objects.get()
    assert redemption.activity is not None and redemption.activity.name == "Judo"
    order = page.evaluate(
        """() => [...document.querySelectorAll('main a[href], main button')]
            .map(e => e.textContent.trim())"""
    )
    assert order.index("Saisir un autre ticket") < order.index("Annuler la saisie")

    page.get_by_role("link", name="Annuler la saisie").click()
    page.wait_for_url(re.compile(r"/saisies/\d+/annuler/$"))
    checks.check("confirmation de l'annulation")
    expect(page.locator("main")).to_contain_text("le ticket devra être saisi à nouveau")
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.ENTERED  # asking cancelled nothing
    page.get_by_role("button", name="Confirmer l'annulation").click()
    page.wait_for_url(re.compile(r"/saisies/\d+/$"))
    expect(page.locator("#messages")).to_contain_text("Saisie annulée")
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.CANCELLED
    checks.assert_clean()


@pytest.mark.parametrize("width", [360, 1280])
def test_bulk_entry_keeps_refused_lines_and_my_entries_are_searched(
    live_server: Any, page: Any, axe_violations: Any, width: int
) -> None:
    organisation = OrganisationFactory(legal_name="Club de judo")
    user = UserFactory(organisation_member=True, organisation=organisation)
    ready = TicketFactory(amount_cents=2500)
    checks = PageChecks(page, axe_violations, width, height=740)
    log_in(
        page,
        live_server.url,
        user.email,
        next_path="/espace-affilie/tickets/saisie-groupee/",
        landing=re.compile(r"/tickets/saisie-groupee/$"),
    )
    page.get_by_label("Tickets à saisir").fill(
        f"{format_ticket_number(ready.number)} ; 12/04/2013\n1234 5678 9013 ; 12/04/2013"
    )
    page.get_by_role("button", name="Vérifier les lignes").click()
    expect(page.locator("main .badge-ready")).to_have_text("✓ Prêt")
    expect(page.locator("main .badge-refused")).to_have_text("✗ Refusé")
    checks.check("saisie groupée vérifiée")
    page.get_by_role("button", name=re.compile("^Confirmer la saisie")).click()
    expect(page.locator("#lignes-refusees li")).to_have_count(1)
    expect(page.locator("#lignes-refusees")).to_contain_text("un chiffre est probablement")
    checks.check("saisie groupée terminée")

    page.goto(f"{live_server.url}/espace-affilie/saisies/")
    page.get_by_label("Numéro de ticket ou nom de l'enfant").fill(ready.wallet.pupil.last_name)
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#liste-saisies")).to_contain_text("Saisies (1)")
    checks.check("recherche dans mes saisies")
    checks.assert_clean()
