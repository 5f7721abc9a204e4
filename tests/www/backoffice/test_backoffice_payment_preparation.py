"""Finance works from the pages (issue 18 §1): what is due now per organisation and what is
left out and why; "Préparer la campagne maintenant" (the run of a past cut-off, or an
exceptional run with its reason), built by a worker with progress shown; the run page's next
step; every download of the SEPA file audited."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from passplus.audit.models import AuditEvent
from passplus.core.errors import DomainError
from passplus.organisations.enums import OrganisationStatus
from passplus.payments.models import PaymentRun, PaymentRunStatus
from passplus.payments.preparation import ALREADY_PREPARING
from passplus.payments.progress import BuildProgress, PreparationRequest
from passplus.payments.sepa import validate_sepa_xml
from passplus.payments.services import payment_run_sepa_download, payment_run_transmit
from passplus.payments.settlement import payment_mark_paid
from passplus.payments.tasks import payment_run_prepare_task
from passplus.tickets.models import Redemption, RedemptionStatus
from tests.helpers.accounts import VerifiedClient
from tests.helpers.backoffice import CONFIRMED
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.factories import (
    BankAccountFactory,
    OrganisationFactory,
    PaymentFactory,
    PaymentRunFactory,
    RedemptionFactory,
    UserFactory,
)
from tests.helpers.pages import parse_html, text_of
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
# Between two cut-offs: the 16/11 run exists (built below where needed), the next is 01/12.
NOW = dt.datetime(2026, 11, 20, 14, 32, 45, tzinfo=PARIS)
LIST = reverse("backoffice:payment_runs")
PREPARE = reverse("backoffice:payment_run_prepare")


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def signed_in(**role: Any) -> tuple[Client, Any]:
    user = UserFactory(**role)
    client = VerifiedClient()
    client.force_login(user)
    return client, user


def paying(name: str, entries: int = 1, **organisation: Any) -> Any:
    """An organisation with validated bank details and entries made an hour ago."""
    club = OrganisationFactory(legal_name=name, **organisation)
    BankAccountFactory(organisation=club, validated=True)
    with time_machine.travel(dt.datetime.now(tz=PARIS) - dt.timedelta(hours=1), tick=False):
        for _ in range(entries):
            RedemptionFactory(organisation=club, amount_cents=2500)
    return club


def rows(page: Any, caption_id: str) -> list[list[str]]:
    table = page.find(id=caption_id).find_parent("table")
    return [
        [" ".join(cell.get_text(" ").split()) for cell in row.find_all("td")]
        for row in table.select("tbody tr")
    ]


def past_cut_off_built() -> None:
    PaymentRunFactory(cut_off=dt.datetime(2026, 11, 16, tzinfo=PARIS), built_by=None)


# What is due now -------------------------------------------------------------------------------


def test_the_page_shows_per_organisation_what_the_next_run_pays_and_what_waits_and_why() -> None:
    past_cut_off_built()
    paying("Club Alpha", entries=2)
    paying("Club Suspendu", status=OrganisationStatus.SUSPENDED)
    pending = OrganisationFactory(legal_name="Club Attente")
    BankAccountFactory(organisation=pending, pending=True)
    RedemptionFactory(organisation=pending, amount_cents=1000)
    RedemptionFactory(organisation=OrganisationFactory(legal_name="Club Sans RIB"))
    bounced = OrganisationFactory(legal_name="Club Rejet")
    BankAccountFactory(organisation=bounced, invalid=True)
    RedemptionFactory(organisation=bounced, status=RedemptionStatus.REJECTED)
    client, _ = signed_in(finance=True)

    page = parse_html(client.get(LIST))

    assert rows(page, "organismes-payes") == [
        ["Club Alpha", "2", "50,00 €"],
        [
            "Club Suspendu suspendu : payé pour les saisies faites avant la suspension",
            "1",
            "25,00 €",
        ],
    ]
    left_out = {row[0]: row[3] for row in rows(page, "organismes-ecartes")}
    assert left_out == {
        "Club Attente": "Coordonnées bancaires en attente de vérification par le Département.",
        "Club Rejet": "Virement rejeté par la banque : en attente de nouvelles coordonnées.",
        "Club Sans RIB": "Aucune coordonnée bancaire enregistrée.",
    }
    total = text_of(page, "#a-payer-total")
    assert "3 tickets, 75,00 €" in total and "2 organismes" in total
    assert "Prochaine coupure : le 01/12/2026" in text_of(page, "main")


def test_a_past_cut_off_without_run_is_named_and_offered() -> None:
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, 0, tzinfo=PARIS), tick=False):
        paying("Club Alpha")
    client, _ = signed_in(finance=True)

    text = text_of(parse_html(client.get(LIST)), "main")

    assert "La coupure du 16/11/2026 est passée et sa campagne n'a pas encore été préparée" in text
    assert "Préparer la campagne du 16/11/2026" in text


def test_staff_outside_finance_see_what_is_due_but_no_button_and_are_told_why() -> None:
    past_cut_off_built()
    paying("Club Alpha")
    client, _ = signed_in(gestionnaire=True)

    page = parse_html(client.get(LIST))

    assert rows(page, "organismes-payes") == [["Club Alpha", "1", "25,00 €"]]
    assert page.select(f"form[action='{PREPARE}']") == []
    assert "Seule l'équipe finance peut préparer une campagne." in text_of(
        page, "section[aria-labelledby=preparer]"
    )
    with assert_unchanged(counted=[PaymentRun, DBTaskResult]):
        assert client.post(PREPARE, {"reason": "Clôture"}).status_code == 403


# Préparer la campagne maintenant ---------------------------------------------------------------


def test_a_finance_user_builds_the_run_of_the_past_cut_off_and_another_approves_it() -> None:
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, 0, tzinfo=PARIS), tick=False):
        club = paying("Club Alpha", entries=2)
    paying("Club Beta")  # entered on the 20th: after the cut-off, for the next run
    client, builder = signed_in(finance=True, first_name="Inès", last_name="Martin")

    response = client.post(PREPARE, {"reason": ""}, follow=True)

    assert "Campagne du 16/11/2026 demandée" in text_of(parse_html(response), ".messages")
    assert not PaymentRun.objects.exists(), "built by a worker, not in the request"
    waiting_page = parse_html(client.get(LIST))
    assert "Campagne demandée, en attente d'un processus" in text_of(waiting_page, "main")
    assert not waiting_page.select("meta[http-equiv=refresh]"), "updated in place, not reloaded"
    zone = waiting_page.select_one("#preparations[data-live-progress]")
    assert zone is not None and zone.select_one("[data-progress-stop]") is not None
    assert "en préparation" in text_of(waiting_page, "section[aria-labelledby=preparer]")

    run_queued_tasks()

    run = PaymentRun.objects.get()
    assert run.cut_off == dt.datetime(2026, 11, 16, tzinfo=PARIS)
    assert run.built_by == builder and not run.is_exceptional
    assert list(run.payments.values_list("organisation", "ticket_count")) == [(club.pk, 2)]
    assert ("payment_run.build", builder.pk) in audit_trail(run)
    actions = text_of(
        parse_html(client.get(reverse("backoffice:payment_run", args=[run.pk]))), "#actions"
    )
    assert "Approuver" not in actions
    assert "Vous avez constitué cette campagne" in actions
    next_step = text_of(
        parse_html(client.get(reverse("backoffice:payment_run", args=[run.pk]))),
        "#prochaine-etape",
    )
    assert "un agent des finances autre que Inès Martin approuve" in next_step

    approver, _ = signed_in(finance=True)
    approver.post(reverse("backoffice:payment_run_approve", args=[run.pk]), CONFIRMED)
    assert db_row(run)["status"] == PaymentRunStatus.APPROVED


def test_an_exceptional_run_needs_a_reason_and_nothing_is_saved_without_one() -> None:
    past_cut_off_built()
    paying("Club Alpha")
    client, _ = signed_in(finance=True)

    with assert_unchanged(counted=[PaymentRun, DBTaskResult, AuditEvent]):
        response = client.post(PREPARE, {"reason": "   "})

    assert response.status_code == 200
    page = parse_html(response)
    assert "Indiquez le motif de la campagne exceptionnelle" in text_of(
        page, "section[aria-labelledby=preparer]"
    )
    field = page.select_one("#id_reason")
    assert field is not None and field.get("aria-invalid") == "true"
    assert page.title is not None and page.title.get_text().startswith("Erreur : ")


def test_an_exceptional_run_pays_entries_up_to_this_minute_with_its_reason_audited() -> None:
    past_cut_off_built()
    club = paying("Club Alpha", entries=3)
    client, builder = signed_in(finance=True)

    client.post(PREPARE, {"reason": "Clôture de l'exercice comptable"})
    run_queued_tasks()

    run = PaymentRun.objects.exclude(exceptional_reason="").get(built_by=builder)
    assert run.cut_off == NOW
    assert run.exceptional_reason == "Clôture de l'exercice comptable"
    assert str(run) == "Remboursements exceptionnels du 20/11/2026 à 14:32"
    assert run.payments.get().organisation == club and run.total_cents == 7500
    event = AuditEvent.objects.for_object(run).get(action="payment_run.build")
    assert event.actor == builder and event.reason == "Clôture de l'exercice comptable"
    assert set(Redemption.objects.values_list("status", flat=True)) == {RedemptionStatus.IN_PAYMENT}
    text = text_of(parse_html(client.get(reverse("backoffice:payment_run", args=[run.pk]))), "main")
    assert "motif : Clôture de l'exercice comptable" in text


def test_nothing_to_pay_is_refused_with_a_message() -> None:
    past_cut_off_built()
    client, _ = signed_in(finance=True)

    with assert_unchanged(counted=[PaymentRun, DBTaskResult]):
        response = client.post(PREPARE, {"reason": "Clôture"})

    assert response.status_code == 200
    assert "Aucune saisie n'est à payer" in text_of(parse_html(response), "main")


def test_a_second_request_while_one_waits_is_refused() -> None:
    past_cut_off_built()
    paying("Club Alpha")
    first, _ = signed_in(finance=True, first_name="Inès", last_name="Martin")
    second, _ = signed_in(finance=True)
    first.post(PREPARE, {"reason": "Clôture"})

    with assert_unchanged(counted=[PaymentRun, DBTaskResult]):
        response = second.post(PREPARE, {"reason": "Clôture aussi"})

    assert response.status_code == 200
    assert (
        "Une campagne est déjà en préparation, demandée par Inès Martin le 20/11/2026 à 14:32"
        in text_of(parse_html(response), "main")
    )
    run_queued_tasks()
    assert PaymentRun.objects.filter(built_by__isnull=False).count() == 1


def test_a_request_while_the_scheduler_builds_is_refused_without_naming_anyone() -> None:
    past_cut_off_built()
    paying("Club Alpha")
    BuildProgress.objects.create(cut_off=NOW - dt.timedelta(days=4), started_at=NOW)
    client, _ = signed_in(finance=True)

    with assert_unchanged(counted=[PaymentRun, DBTaskResult, PreparationRequest]):
        response = client.post(PREPARE, {"reason": "Clôture"})

    assert response.status_code == 200
    text = text_of(parse_html(response), "main")
    assert ALREADY_PREPARING in text and "demandée par" not in text


def test_the_same_request_run_twice_builds_one_run() -> None:
    """A worker that died after building is re-queued: the second pass builds nothing."""
    past_cut_off_built()
    paying("Club Alpha")
    _, builder = signed_in(finance=True)
    arguments = {
        "cut_off": NOW.isoformat(),
        "actor_id": builder.pk,
        "exceptional_reason": "Clôture",
    }

    first = payment_run_prepare_task.call(**arguments)
    second = payment_run_prepare_task.call(**arguments)

    assert first == second and first["run"] is not None
    assert PaymentRun.objects.filter(built_by=builder).count() == 1


# The run page: next step, who may act, and the SEPA file kept for audit ------------------------


@pytest.mark.parametrize(
    ("traits", "expected"),
    [
        ({"built_by": None}, "un agent des finances vérifie la campagne, puis un autre"),
        ({"checked": True}, "un agent des finances autre que"),
        ({"approved": True}, "télécharge le fichier SEPA, le remet à la banque"),
        ({"sent": True}, "rapproche chaque virement"),
        ({"closed": True}, "Campagne clôturée : il n'y a plus rien à faire."),
    ],
)
def test_the_run_page_says_the_next_step_to_everyone(traits: dict[str, Any], expected: str) -> None:
    run = PaymentRunFactory(**traits)
    client, _ = signed_in(gestionnaire=True)

    page = parse_html(client.get(reverse("backoffice:payment_run", args=[run.pk])))

    assert expected in text_of(page, "#prochaine-etape")
    assert page.select("#actions form") == [], "no button for who may not use it"
    breadcrumb = page.select_one('nav[aria-label="Fil d\'Ariane"] a')
    assert breadcrumb is not None and breadcrumb["href"] == LIST


def test_every_download_of_a_closed_runs_sepa_file_is_audited_and_listed() -> None:
    run = PaymentRunFactory(approved=True)
    payment = PaymentFactory(run=run, amount_cents=4500, ticket_count=2)
    RedemptionFactory.create_batch(
        2, organisation=payment.organisation, in_payment=True, payment=payment
    )
    url = reverse("backoffice:payment_run_sepa", args=[run.pk])
    first, first_user = signed_in(finance=True, first_name="Inès", last_name="Martin")
    produced = b"".join(first.get(url).streaming_content)  # type: ignore[attr-defined]
    payment_run_transmit(run=run, actor=first_user)
    payment_mark_paid(payment=payment, actor=first_user)  # its last transfer: the run closes
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.CLOSED
    validate_sepa_xml(produced, "pain.001.001.03")

    second, second_user = signed_in(finance=True, first_name="Hugo", last_name="Bernard")
    again = second.get(url)
    assert b"".join(again.streaming_content) == produced  # type: ignore[attr-defined]
    assert again["X-Content-SHA256"] == run.sepa_sha256

    downloads = AuditEvent.objects.for_object(run).filter(action="payment_run.sepa_download")
    assert [event.actor for event in downloads.order_by("pk")] == [first_user, second_user]
    assert {event.after["sha256"] for event in downloads} == {run.sepa_sha256}
    page = parse_html(second.get(reverse("backoffice:payment_run", args=[run.pk])))
    listed = text_of(page, "main")
    assert "Téléchargements du fichier SEPA" in listed
    assert "par Inès Martin" in listed and "par Hugo Bernard" in listed
    assert run.sepa_sha256 in listed


def test_staff_outside_finance_cannot_download_the_sepa_file() -> None:
    run = PaymentRunFactory(closed=True)
    client, _ = signed_in(gestionnaire=True)
    with assert_unchanged(run, counted=[AuditEvent]):
        assert client.get(reverse("backoffice:payment_run_sepa", args=[run.pk])).status_code == 403


def test_the_download_service_refuses_a_run_not_approved_and_records_nothing() -> None:
    run = PaymentRunFactory()
    PaymentFactory(run=run, amount_cents=4500, ticket_count=2)
    with assert_unchanged(run), pytest.raises(DomainError, match="deuxième personne"):
        payment_run_sepa_download(run=run, actor=UserFactory(finance=True))
    assert not run.sepa_file


def test_the_download_service_records_each_download_of_the_same_file() -> None:
    run = PaymentRunFactory(approved=True)
    PaymentFactory(run=run, amount_cents=4500, ticket_count=2)
    first, second = UserFactory(finance=True), UserFactory(finance=True)
    produced = payment_run_sepa_download(run=run, actor=first)
    again = payment_run_sepa_download(run=run, actor=second)
    assert again.sepa_sha256 == produced.sepa_sha256 and again.sepa_file == produced.sepa_file
    assert audit_trail(run) == [
        ("payment_run.sepa_file", first.pk),
        ("payment_run.sepa_download", first.pk),
        ("payment_run.sepa_download", second.pk),
    ]
