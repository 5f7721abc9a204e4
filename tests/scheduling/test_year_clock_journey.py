"""The year's clock, driven with time moved forward (issue 17, "Done means"): at the cut-off the
scheduler builds the run by itself; one finance user checks it and another approves it (four
eyes for a run nobody built by hand); the club sees "remboursé" once it is paid; after the
deadlines the unused ticket is expired and the family's credit shows what was lost.

Nothing here calls a job directly: each step is what the scheduler does when it comes back
(`jobs_catch_up`: every job whose fire time passed) and what a worker then runs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from passplus.payments.models import PaymentRun, PaymentRunStatus
from passplus.payments.sepa import validate_sepa_xml
from passplus.scheduling.models import JobOutcome, JobState
from passplus.scheduling.tasks import jobs_catch_up
from passplus.tickets.models import Redemption, RedemptionStatus, Ticket, TicketStatus
from passplus.workers.models import WorkerHeartbeat
from tests.helpers.accounts import VerifiedClient
from tests.helpers.backoffice import CONFIRMED
from tests.helpers.database import assert_unchanged
from tests.helpers.factories import (
    BankAccountFactory,
    OrganisationFactory,
    SchoolYearFactory,
    UserFactory,
    WalletFactory,
)
from tests.helpers.pages import parse_html, text_of
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def scheduler_wakes_up() -> list[str]:
    """What the scheduler enqueues for the current (travelled) time, then a worker's pass.
    The worker beats like `manage.py worker`, so that the dead-work job sees it alive."""
    now = dt.datetime.now(tz=PARIS)
    WorkerHeartbeat.objects.update_or_create(
        worker_id="tests",
        defaults={"hostname": "tests", "pid": 1, "started_at": now, "last_seen_at": now},
    )
    enqueued = jobs_catch_up(now)
    run_queued_tasks()
    return enqueued


def signed_in(user: object, *, staff: bool = False) -> Client:
    client = VerifiedClient() if staff else Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def page_text(client: Client, url: str, selector: str = "main") -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return text_of(parse_html(response), selector)


def test_a_school_year_goes_by_on_the_schedulers_clock() -> None:
    with time_machine.travel(at(2026, 11, 10, 10, 0)):
        year = SchoolYearFactory(
            label="2026-2027",
            starts_on=dt.date(2026, 9, 1),
            ends_on=dt.date(2027, 8, 31),
            generation_deadline=dt.date(2027, 5, 31),
            redemption_deadline=dt.date(2027, 6, 30),
        )
        wallet = WalletFactory(school_year=year, granted_cents=8000)
        club = OrganisationFactory(legal_name="Club de judo du Val")
        BankAccountFactory(organisation=club, validated=True)
        first_finance = UserFactory(finance=True, first_name="Inès", last_name="Martin")
        second_finance = UserFactory(finance=True, first_name="Hugo", last_name="Bernard")

        # The scheduler starts for the first time: every job runs once, nothing is due.
        assert "payment_runs" in scheduler_wakes_up()
        assert not PaymentRun.objects.exists()

        # The parent makes a 30 € and a 20 € ticket; 30 € of credit stay unused.
        parent = signed_in(wallet.pupil.family.user)
        for amount in ("30", "20"):
            response = parent.post(
                reverse("family:ticket_new", args=[wallet.pupil.pk]),
                {"wallet": wallet.pk, "amount": amount},
            )
            assert response.status_code == 302, text_of(parse_html(response), "main")
        used, unused = Ticket.objects.filter(wallet=wallet).order_by("-amount_cents")

        # The club enters the 30 € ticket at its desk.
        desk = signed_in(UserFactory(organisation_member=True, organisation=club))
        birth = wallet.pupil.birth_date.strftime("%d/%m/%Y")
        response = desk.post(
            reverse("partner:entry"), {"number": used.display_number, "birth_date": birth}
        )
        assert response.status_code == 302, text_of(parse_html(response), "main")
        desk.post(reverse("partner:entry_confirm"))
        redemption = Redemption.objects.get(ticket=used)
        assert redemption.status == RedemptionStatus.ENTERED

    # Nothing happens before the cut-off: the scheduler's next wake-ups build no run.
    with time_machine.travel(at(2026, 11, 15, 23, 50)):
        scheduler_wakes_up()
        assert not PaymentRun.objects.exists()

    # Five minutes past the cut-off of the 16th, the scheduler builds the run by itself.
    with time_machine.travel(at(2026, 11, 16, 0, 6)):
        assert "payment_runs" in scheduler_wakes_up()
        run = PaymentRun.objects.get()
        assert run.cut_off == at(2026, 11, 16, 0, 0)
        assert run.built_by_system and run.status == PaymentRunStatus.DRAFT
        assert JobState.objects.get(job="payment_runs").outcome == JobOutcome.SUCCEEDED
        redemption.refresh_from_db()
        assert redemption.status == RedemptionStatus.IN_PAYMENT

    with time_machine.travel(at(2026, 11, 16, 9, 0)):
        run_url = reverse("backoffice:payment_run", args=[run.pk])
        inès = signed_in(first_finance, staff=True)
        assert "Vérifier la campagne" in page_text(inès, run_url, "#actions")
        inès.post(reverse("backoffice:payment_run_check", args=[run.pk]))
        # The checker is not offered the approval, and is refused if she tries.
        actions = page_text(inès, run_url, "#actions")
        assert "Approuver" not in actions and "un autre agent des finances" in actions
        with assert_unchanged(run):
            inès.post(reverse("backoffice:payment_run_approve", args=[run.pk]), CONFIRMED)
        run.refresh_from_db()
        assert run.status == PaymentRunStatus.CHECKED

        hugo = signed_in(second_finance, staff=True)
        hugo.post(reverse("backoffice:payment_run_approve", args=[run.pk]), CONFIRMED)
        sepa = hugo.get(reverse("backoffice:payment_run_sepa", args=[run.pk]))
        xml = b"".join(sepa.streaming_content)  # type: ignore[attr-defined]
        validate_sepa_xml(xml, "pain.001.001.03")
        assert b"30.00" in xml and club.legal_name.encode() in xml
        hugo.post(reverse("backoffice:payment_run_sent", args=[run.pk]))
        hugo.post(reverse("backoffice:payment_run_all_paid", args=[run.pk]), CONFIRMED)
        run.refresh_from_db()
        assert run.status == PaymentRunStatus.CLOSED
        assert (run.checked_by, run.approved_by) == (first_finance, second_finance)

        desk = signed_in(UserFactory(organisation_member=True, organisation=club))
        listing = page_text(desk, reverse("partner:redemptions"))
        assert used.display_number in listing and "Remboursé" in listing

    # The generation deadline passes (31/05), then the entry deadline (30/06): the night after,
    # the unused ticket expires and the family sees what it lost.
    with time_machine.travel(at(2027, 6, 30, 23, 0)):
        scheduler_wakes_up()
        assert Ticket.objects.get(pk=unused.pk).status == TicketStatus.AVAILABLE

    with time_machine.travel(at(2027, 7, 1, 0, 20)):
        assert "ticket_expiry" in scheduler_wakes_up()
        assert Ticket.objects.get(pk=unused.pk).status == TicketStatus.EXPIRED
        assert Ticket.objects.get(pk=used.pk).status == TicketStatus.USED
        assert JobState.objects.get(job="ticket_expiry").summary["expired"] == 1

        home = page_text(signed_in(wallet.pupil.family.user), reverse("family:home"))
        assert "Crédit non utilisé : 30,00 €, perdu depuis le 01/06/2027" in home
        assert "1 ticket expiré sans avoir été utilisé, montant perdu : 20,00 €." in home
        # The reimbursed ticket stays reimbursed.
        assert Redemption.objects.get(pk=redemption.pk).status == RedemptionStatus.REIMBURSED
