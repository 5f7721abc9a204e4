"""Issue 18, "Done means": in headless Chromium, a new partner's ticket entered today is paid
through the pages only — an exceptional run built by one finance user, approved by another,
its SEPA file downloaded, transmitted, marked paid — and the partner sees "Remboursé" on its
page, in its CSV and in its XLSX. Every page on the way passes axe-core without horizontal
scroll. Runs on SQLite and on PostgreSQL like the rest of the suite."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from passplus.payments.models import PaymentRun, PaymentRunStatus
from passplus.payments.sepa import validate_sepa_xml
from passplus.tickets.models import Redemption, RedemptionStatus
from passplus.tickets.numbers import format_ticket_number
from tests.helpers.browser import PageChecks, axe_report, log_in, log_in_staff
from tests.helpers.factories import (
    PASSWORD,
    ActivityFactory,
    BankAccountFactory,
    OrganisationFactory,
    TicketFactory,
    UserFactory,
)
from tests.helpers.tasks import run_queued_tasks

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def people() -> dict[str, Any]:
    club = OrganisationFactory(legal_name="Club de tennis des Tilleuls")
    ActivityFactory(organisation=club, name="Tennis")
    BankAccountFactory(organisation=club, validated=True)
    return {
        "partner": UserFactory(organisation_member=True, organisation=club).email,
        "ticket": TicketFactory(amount_cents=3500),
        "builder": UserFactory(finance=True, first_name="Inès", last_name="Martin").email,
        "approver": UserFactory(finance=True, first_name="Hugo", last_name="Bernard").email,
    }


def staff_page(browser: Any, live_server: Any, email: str, checks_of: Any) -> tuple[Any, Any]:
    context = browser.new_context(locale="fr-FR", bypass_csp=True, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    checks = checks_of(page)
    log_in_staff(page, live_server.url, email, PASSWORD, checks.check_axe_only)
    return page, checks


def downloaded(page: Any, link_name: str) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("link", name=link_name).click()
    with open(download.value.path(), "rb") as file:
        return file.read()


def test_a_new_partners_ticket_is_paid_through_the_pages_only(
    live_server: Any, people: dict[str, Any], browser: Any, page: Any, axe_violations: Any
) -> None:
    from playwright.sync_api import expect

    def checks_of(other: Any) -> PageChecks:
        return PageChecks(other, lambda: axe_report(other), 1280)

    # The treasurer enters the ticket at the desk, on a phone.
    desk = PageChecks(page, axe_violations, 360)
    log_in(
        page,
        live_server.url,
        people["partner"],
        next_path="/espace-affilie/tickets/saisir/",
        landing=re.compile(r"/tickets/saisir/$"),
    )
    page.get_by_label("Numéro du ticket").fill(format_ticket_number(people["ticket"].number))
    page.get_by_label("Date de naissance de l'enfant").fill("2013-04-12")
    page.get_by_role("button", name="Rechercher le ticket").click()
    page.wait_for_url(re.compile(r"/tickets/confirmer/$"))
    # The club's only activity, Tennis, is chosen without a select (issue 33 §2).
    page.get_by_role("button", name="Confirmer la saisie").click()
    page.wait_for_url(re.compile(r"/saisies/\d+/$"))
    desk.check("reçu")

    # Inès sees it due, and asks for an exceptional run with its reason.
    inès, inès_checks = staff_page(browser, live_server, people["builder"], checks_of)
    inès.goto(f"{live_server.url}/gestion/remboursements/")
    inès_checks.check("remboursements")
    due = inès.locator("section[aria-labelledby=a-payer]")
    expect(due).to_contain_text("Club de tennis des Tilleuls")
    expect(due).to_contain_text("35,00 €")
    inès.get_by_role("button", name="Préparer une campagne exceptionnelle").click()
    expect(inès.locator("main")).to_contain_text("Indiquez le motif", timeout=15_000)  # required
    expect(inès).to_have_title(re.compile("^Erreur : "))
    inès_checks.check("motif manquant")
    inès.get_by_label("Motif de la campagne exceptionnelle").fill("Fin de l'exercice du club")
    inès.get_by_role("button", name="Préparer une campagne exceptionnelle").click()
    expect(inès.locator("main")).to_contain_text("en attente d'un processus", timeout=15_000)
    inès_checks.check("préparation demandée")

    run_queued_tasks()  # the worker of `make run`

    inès.goto(f"{live_server.url}/gestion/remboursements/")
    inès.get_by_role("link", name=re.compile("Remboursements exceptionnels du")).click()
    next_step = inès.locator("#prochaine-etape")
    expect(next_step).to_contain_text("autre que Inès Martin", timeout=15_000)
    expect(inès.locator("#actions")).not_to_contain_text("Approuver")
    inès_checks.check("campagne (constructrice)")

    # Hugo approves it, downloads the file, transmits it, and marks the transfer paid.
    hugo, hugo_checks = staff_page(browser, live_server, people["approver"], checks_of)
    run = PaymentRun.objects.get()
    hugo.goto(f"{live_server.url}/gestion/remboursements/{run.pk}/")
    hugo.get_by_label("Je confirme l'approbation").check()
    hugo.get_by_role("button", name="Approuver la campagne").click()
    expect(hugo.locator(".messages")).to_contain_text("Campagne approuvée", timeout=15_000)
    hugo_checks.check("campagne approuvée")
    # « Transmise » only once someone other than Inès (its builder) has the file (issue 31).
    expect(hugo.locator("#actions")).to_contain_text("n'a pas encore été téléchargé")
    expect(hugo.get_by_role("button", name="Marquer comme transmise à la banque")).to_have_count(0)
    xml = downloaded(hugo, "Télécharger le fichier de virements SEPA")
    validate_sepa_xml(xml, "pain.001.001.03")
    assert b'<InstdAmt Ccy="EUR">35.00</InstdAmt>' in xml
    hugo.reload()  # as the page asks: the download does not reload it
    expect(hugo.locator("#actions")).to_contain_text("Fichier téléchargé par Hugo Bernard")
    hugo_checks.check("fichier téléchargé")
    hugo.get_by_role("button", name="Marquer comme transmise à la banque").click()
    expect(hugo.locator("dl.summary")).to_contain_text(hashlib.sha256(xml).hexdigest())
    hugo.get_by_label(re.compile("la banque a exécuté ces virements")).check()
    hugo.get_by_role("button", name="Marquer le virement en attente comme payé").click()
    expect(hugo.locator(".messages")).to_contain_text("campagne clôturée", timeout=15_000)
    hugo.reload()
    expect(hugo.locator("main")).to_contain_text("par Hugo Bernard")  # the download, audited
    hugo_checks.check("campagne clôturée")
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.CLOSED and run.is_exceptional
    assert Redemption.objects.get().status == RedemptionStatus.REIMBURSED

    # The treasurer sees it reimbursed: page, CSV and XLSX.
    page.goto(f"{live_server.url}/espace-affilie/saisies/")
    expect(page.locator("main")).to_contain_text("Remboursé")
    desk.check("mes saisies")
    rows = list(
        csv.reader(
            io.StringIO(downloaded(page, re.compile("CSV")).decode("utf-8-sig")), delimiter=";"
        )
    )
    assert any("Remboursé" in row for row in rows[1:]), rows
    sheet = load_workbook(io.BytesIO(downloaded(page, re.compile("XLSX")))).active
    assert "Remboursé" in [cell.value for row in sheet.iter_rows() for cell in row]

    for checks in (desk, inès_checks, hugo_checks):
        checks.assert_clean()
