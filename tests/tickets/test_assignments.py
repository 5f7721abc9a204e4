"""Assignments (issue 35, docs/design.md §4 « Assignment »): credit assigned online to one
organisation, which confirms or refuses; withdrawn by the family; expired by the system. Every
transition and every refusal, and what an assigned ticket is elsewhere (look-up, print, family
cancel, year-end expiry, statistics)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.core.enums import Domain, WalletDomain
from passplus.core.errors import DomainError, TransitionError
from passplus.statistics.figures import ticket_summary
from passplus.tickets import assignments as services
from passplus.tickets.assignments import (
    assignment_confirm,
    assignment_create,
    assignment_expire,
    assignment_refuse,
    assignment_withdraw,
)
from passplus.tickets.expiry import tickets_expire_past_deadlines
from passplus.tickets.models import Assignment, Redemption, Ticket
from passplus.tickets.models import AssignmentStatus as A
from passplus.tickets.models import RedemptionStatus as R
from passplus.tickets.models import TicketStatus as T
from passplus.tickets.numbers import generate_ticket_number, is_valid_ticket_number
from passplus.tickets.services import (
    NOT_FOUND_MESSAGE,
    redemption_enter,
    redemption_refusal,
    ticket_lookup,
)
from tests.helpers.assignments import (
    AssignmentSetting,
    assignment_setting,
    partner_member,
    pending_assignment,
)
from tests.helpers.database import assert_unchanged, audit_trail, db_row, raw_update
from tests.helpers.factories import (
    ActivityFactory,
    OrganisationFactory,
    SchoolYearFactory,
    UserFactory,
    WalletFactory,
)
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db

REASON = "Plus de place dans le groupe du mercredi."


@pytest.fixture
def setting() -> AssignmentSetting:
    return assignment_setting()


def unchanged(setting: AssignmentSetting, *objs: Any) -> Any:
    """Nothing written: the wallet, `objs`, and no new ticket, assignment or redemption."""
    return assert_unchanged(setting.wallet, *objs, counted=[Ticket, Assignment, Redemption])


# Creation --------------------------------------------------------------------------------------


def test_an_assignment_issues_an_assigned_ticket_from_the_wallet_in_one_audited_step(
    setting: AssignmentSetting,
) -> None:
    activity = ActivityFactory(organisation=setting.organisation)
    before = timezone.now()

    assignment = assignment_create(
        wallet=setting.wallet,
        organisation=setting.organisation,
        amount_cents=4000,
        actor=setting.parent,
        activity=activity,
    )

    ticket = assignment.ticket
    assert db_row(ticket)["status"] == T.ASSIGNED
    assert db_row(ticket)["amount_cents"] == 4000
    assert is_valid_ticket_number(ticket.number)
    row = db_row(assignment)
    assert row["status"] == A.PENDING
    assert row["organisation_id"] == setting.organisation.pk
    assert row["activity_id"] == activity.pk
    assert row["parent_id"] == setting.parent.pk
    assert before <= row["created_at"] <= timezone.now()
    assert row["expires_at"] == row["created_at"] + dt.timedelta(days=30)
    # The amount is spent from the wallet like an available ticket's.
    assert setting.wallet.remaining_cents() == 4000
    assert audit_trail(ticket) == [("ticket.issue", setting.parent.pk)]
    assert audit_trail(assignment) == [("assignment.create", setting.parent.pk)]


def test_the_delay_to_answer_is_a_setting(setting: AssignmentSetting, settings: Any) -> None:
    settings.PASSPLUS_ASSIGNMENT_DELAY_DAYS = 10

    row = db_row(pending_assignment(setting))

    assert row["expires_at"] == row["created_at"] + dt.timedelta(days=10)


def test_the_delay_is_cut_short_by_the_school_years_entry_deadline() -> None:
    today = timezone.localdate()
    year = SchoolYearFactory(
        label="fin-proche",
        starts_on=today - dt.timedelta(days=200),
        generation_deadline=today + dt.timedelta(days=2),
        redemption_deadline=today + dt.timedelta(days=5),
    )
    setting = assignment_setting(school_year=year)

    row = db_row(pending_assignment(setting))

    end_of_deadline = dt.datetime.combine(today + dt.timedelta(days=6), dt.time.min)
    assert row["expires_at"] == timezone.make_aware(end_of_deadline)


@pytest.mark.parametrize("trait", ["identified", "signing", "suspended", "terminated"])
def test_an_organisation_not_affiliated_cannot_receive_an_assignment(
    setting: AssignmentSetting, trait: str
) -> None:
    member = partner_member(**{trait: True})

    with unchanged(setting), pytest.raises(DomainError, match="pas affilié"):
        assignment_create(
            wallet=setting.wallet,
            organisation=member.organisation,
            amount_cents=1000,
            actor=setting.parent,
        )


@pytest.mark.parametrize("users", ["none", "inactive", "family_only"])
def test_an_organisation_nobody_could_answer_for_cannot_receive_an_assignment(
    setting: AssignmentSetting, users: str
) -> None:
    organisation = OrganisationFactory()
    if users == "inactive":
        UserFactory(organisation_member=True, organisation=organisation, is_active=False)

    with unchanged(setting), pytest.raises(DomainError, match="pas encore de compte"):
        assignment_create(
            wallet=setting.wallet,
            organisation=organisation,
            amount_cents=1000,
            actor=setting.parent,
        )


def test_an_activity_of_another_organisation_is_refused(setting: AssignmentSetting) -> None:
    elsewhere = ActivityFactory()

    with unchanged(setting), pytest.raises(DomainError, match="n'appartient pas à cet organisme"):
        assignment_create(
            wallet=setting.wallet,
            organisation=setting.organisation,
            amount_cents=1000,
            actor=setting.parent,
            activity=elsewhere,
        )


def test_a_wallet_for_a_domain_the_organisation_does_not_offer_is_refused() -> None:
    setting = assignment_setting(domain=WalletDomain.CULTURE)  # a sport-only organisation

    with unchanged(setting), pytest.raises(DomainError, match="ne peut pas servir"):
        pending_assignment(setting)


def test_an_activity_of_a_domain_the_wallet_does_not_pay_for_is_refused() -> None:
    setting = assignment_setting(domain=WalletDomain.SPORT)
    setting.organisation.offers_culture = True
    setting.organisation.save()
    theatre = ActivityFactory(organisation=setting.organisation, domain=Domain.CULTURE)

    with unchanged(setting), pytest.raises(DomainError, match="ne peut pas servir"):
        assignment_create(
            wallet=setting.wallet,
            organisation=setting.organisation,
            amount_cents=1000,
            actor=setting.parent,
            activity=theatre,
        )


def test_a_culture_wallet_goes_to_an_organisation_that_offers_culture_too() -> None:
    setting = assignment_setting(domain=WalletDomain.CULTURE)
    setting.organisation.offers_culture = True
    setting.organisation.save()

    assert db_row(pending_assignment(setting))["status"] == A.PENDING


@pytest.mark.parametrize(
    ("amount", "message"), [(0, "positif"), (-100, "positif"), (8001, "crédit restant")]
)
def test_an_amount_of_zero_negative_or_above_what_is_left_is_refused(
    setting: AssignmentSetting, amount: int, message: str
) -> None:
    with unchanged(setting), pytest.raises(DomainError, match=message):
        pending_assignment(setting, amount_cents=amount)


def test_the_whole_credit_left_can_be_assigned_but_not_one_cent_more(
    setting: AssignmentSetting,
) -> None:
    pending_assignment(setting, amount_cents=5000)

    with unchanged(setting), pytest.raises(DomainError, match="crédit restant"):
        pending_assignment(setting, amount_cents=3001)
    pending_assignment(setting, amount_cents=3000)
    assert setting.wallet.remaining_cents() == 0


def test_an_assignment_after_the_generation_deadline_is_refused(
    setting: AssignmentSetting,
) -> None:
    late = setting.wallet.school_year.generation_deadline + dt.timedelta(days=1)

    with unchanged(setting), pytest.raises(DomainError, match="se créent du"):
        assignment_create(
            wallet=setting.wallet,
            organisation=setting.organisation,
            amount_cents=1000,
            actor=setting.parent,
            today=late,
        )


def test_another_familys_wallet_is_refused(setting: AssignmentSetting) -> None:
    other_parent = WalletFactory().pupil.family.user

    with unchanged(setting), pytest.raises(DomainError, match="pas celui d'un de vos enfants"):
        assignment_create(
            wallet=setting.wallet,
            organisation=setting.organisation,
            amount_cents=1000,
            actor=other_parent,
        )


# Confirmation ----------------------------------------------------------------------------------


def test_confirming_enters_the_redemption_for_the_parents_activity(
    setting: AssignmentSetting,
) -> None:
    activity = ActivityFactory(organisation=setting.organisation)
    assignment = assignment_create(
        wallet=setting.wallet,
        organisation=setting.organisation,
        amount_cents=4000,
        actor=setting.parent,
        activity=activity,
    )

    redemption = assignment_confirm(assignment=assignment, actor=setting.member)

    stored = db_row(redemption)
    assert stored["status"] == R.ENTERED
    assert stored["organisation_id"] == setting.organisation.pk
    assert stored["activity_id"] == activity.pk
    assert stored["amount_cents"] == 4000
    assert stored["entered_by_id"] == setting.member.pk
    assert db_row(assignment.ticket)["status"] == T.USED
    row = db_row(assignment)
    assert row["status"] == A.CONFIRMED
    assert row["redemption_id"] == redemption.pk
    assert row["answered_by_id"] == setting.member.pk
    assert row["answered_at"] is not None
    assert assignment.status == A.CONFIRMED  # the caller's object follows
    assert setting.wallet.remaining_cents() == 4000
    assert audit_trail(assignment) == [
        ("assignment.create", setting.parent.pk),
        ("assignment.confirm", setting.member.pk),
    ]
    assert audit_trail(redemption) == [("redemption.enter", setting.member.pk)]


@pytest.mark.parametrize("who", ["other_organisation", "inactive_member", "parent", "staff"])
def test_only_an_active_member_of_that_organisation_may_confirm_or_refuse(
    setting: AssignmentSetting, who: str
) -> None:
    assignment = pending_assignment(setting)
    actor = {
        "other_organisation": lambda: partner_member(),
        "inactive_member": lambda: UserFactory(
            organisation_member=True, organisation=setting.organisation, is_active=False
        ),
        "parent": lambda: setting.parent,
        "staff": lambda: UserFactory(gestionnaire=True),
    }[who]()

    with unchanged(setting, assignment, assignment.ticket):
        with pytest.raises(DomainError, match="ne concerne pas votre organisme"):
            assignment_confirm(assignment=assignment, actor=actor)
        with pytest.raises(DomainError, match="ne concerne pas votre organisme"):
            assignment_refuse(assignment=assignment, actor=actor, reason=REASON)


def test_confirming_past_the_delay_is_refused(setting: AssignmentSetting) -> None:
    assignment = pending_assignment(setting)
    raw_update(assignment, expires_at=timezone.now() - dt.timedelta(minutes=1))

    with unchanged(setting, assignment), pytest.raises(DomainError, match="délai"):
        assignment_confirm(assignment=assignment, actor=setting.member)


def test_confirming_for_an_organisation_suspended_since_is_refused(
    setting: AssignmentSetting,
) -> None:
    assignment = pending_assignment(setting)
    raw_update(setting.organisation, status="suspended")

    with unchanged(setting, assignment), pytest.raises(DomainError, match="pas affilié"):
        assignment_confirm(assignment=assignment, actor=setting.member)


def test_a_confirmed_assignment_is_paid_as_a_typed_entry(setting: AssignmentSetting) -> None:
    """From the redemption on, nothing tells it apart: the partner's list, the payable ones."""
    assignment = pending_assignment(setting)

    redemption = assignment_confirm(assignment=assignment, actor=setting.member)

    assert list(Redemption.objects.of_organisation(setting.organisation).payable()) == [redemption]


# Refusal, withdrawal, expiry ------------------------------------------------------------------


def test_refusing_voids_the_ticket_and_returns_the_credit(setting: AssignmentSetting) -> None:
    assignment = pending_assignment(setting)

    assignment_refuse(assignment=assignment, actor=setting.member, reason=f"  {REASON} ")

    row = db_row(assignment)
    assert row["status"] == A.REFUSED
    assert row["status_reason"] == REASON
    assert row["answered_by_id"] == setting.member.pk
    assert db_row(assignment.ticket)["status"] == T.VOID
    assert setting.wallet.remaining_cents() == 8000
    assert audit_trail(assignment)[-1] == ("assignment.refuse", setting.member.pk)
    assert audit_trail(assignment.ticket)[-1] == ("ticket.void", setting.member.pk)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_refusal_needs_a_reason(setting: AssignmentSetting, reason: str) -> None:
    assignment = pending_assignment(setting)

    with unchanged(setting, assignment), pytest.raises(DomainError, match="motif du refus"):
        assignment_refuse(assignment=assignment, actor=setting.member, reason=reason)


def test_withdrawing_voids_the_ticket_and_returns_the_credit(setting: AssignmentSetting) -> None:
    assignment = pending_assignment(setting)

    assignment_withdraw(assignment=assignment, actor=setting.parent)

    assert db_row(assignment)["status"] == A.WITHDRAWN
    assert db_row(assignment.ticket)["status"] == T.VOID
    assert setting.wallet.remaining_cents() == 8000
    assert audit_trail(assignment)[-1] == ("assignment.withdraw", setting.parent.pk)


@pytest.mark.parametrize("who", ["other_family", "member"])
def test_only_the_family_may_withdraw(setting: AssignmentSetting, who: str) -> None:
    assignment = pending_assignment(setting)
    actor = WalletFactory().pupil.family.user if who == "other_family" else setting.member

    with unchanged(setting, assignment), pytest.raises(DomainError, match="vos enfants"):
        assignment_withdraw(assignment=assignment, actor=actor)


def test_the_system_expires_an_assignment_past_its_time(setting: AssignmentSetting) -> None:
    assignment = pending_assignment(setting)
    expires_at = db_row(assignment)["expires_at"]

    assert list(Assignment.objects.due_to_expire(expires_at - dt.timedelta(seconds=1))) == []
    assert list(Assignment.objects.due_to_expire(expires_at)) == [assignment]
    assignment_expire(assignment=assignment, now=expires_at)

    assert db_row(assignment)["status"] == A.EXPIRED
    assert db_row(assignment.ticket)["status"] == T.VOID
    assert setting.wallet.remaining_cents() == 8000
    assert audit_trail(assignment)[-1] == ("assignment.expire", None)


def test_the_system_does_not_expire_an_assignment_still_in_its_time(
    setting: AssignmentSetting,
) -> None:
    assignment = pending_assignment(setting)
    expires_at = db_row(assignment)["expires_at"]

    with unchanged(setting, assignment), pytest.raises(DomainError, match="attend encore"):
        assignment_expire(assignment=assignment, now=expires_at - dt.timedelta(seconds=1))


def test_the_reminder_job_finds_assignments_expiring_within_a_week(
    setting: AssignmentSetting,
) -> None:
    assignment = pending_assignment(setting)
    expires_at = db_row(assignment)["expires_at"]

    assert list(Assignment.objects.due_to_remind(expires_at - dt.timedelta(days=8))) == []
    assert list(Assignment.objects.due_to_remind(expires_at - dt.timedelta(days=7))) == [assignment]
    raw_update(assignment, reminded_at=timezone.now())
    assert list(Assignment.objects.due_to_remind(expires_at - dt.timedelta(days=7))) == []


ANSWERS = {
    "confirm": lambda s, a: assignment_confirm(assignment=a, actor=s.member),
    "refuse": lambda s, a: assignment_refuse(assignment=a, actor=s.member, reason=REASON),
    "withdraw": lambda s, a: assignment_withdraw(assignment=a, actor=s.parent),
    "expire": lambda s, a: assignment_expire(
        assignment=a, now=timezone.now() + dt.timedelta(days=400)
    ),
}


@pytest.mark.parametrize("end", list(ANSWERS))
@pytest.mark.parametrize("then", list(ANSWERS))
def test_an_answered_assignment_cannot_move_again(
    setting: AssignmentSetting, end: str, then: str
) -> None:
    assignment = pending_assignment(setting)
    ANSWERS[end](setting, assignment)
    # A stale copy, as a page loaded before the first answer would hold.
    stale = Assignment.objects.get(pk=assignment.pk)
    stale.status = A.PENDING

    with unchanged(setting, assignment, assignment.ticket), pytest.raises(DomainError) as caught:
        ANSWERS[then](setting, stale)

    assert str(caught.value) == services.ALREADY[db_row(assignment)["status"]]


def test_a_stored_state_outside_the_choices_is_refused_by_the_database(
    setting: AssignmentSetting,
) -> None:
    assignment = pending_assignment(setting)

    with pytest.raises(IntegrityError), transaction.atomic():
        raw_update(assignment, status="lost")
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_update(assignment, status=A.CONFIRMED)  # without its redemption
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_update(assignment, status=A.REFUSED)  # without a reason


# An assigned ticket elsewhere -----------------------------------------------------------------


def lookup_answer(ticket_number: str, birth_date: dt.date) -> str:
    """What a fresh organisation's desk is told when it types this number and birth date."""
    organisation = partner_member().organisation
    with pytest.raises(DomainError) as caught:
        ticket_lookup(
            number=ticket_number, birth_date=birth_date, organisation=organisation, ip=None
        )
    return str(caught.value)


def test_an_assigned_ticket_typed_by_any_organisation_gets_the_answer_of_a_wrong_number(
    setting: AssignmentSetting,
) -> None:
    ticket = pending_assignment(setting).ticket
    birth_date = setting.wallet.pupil.birth_date

    wrong_number = lookup_answer(generate_ticket_number(), birth_date)

    assert lookup_answer(ticket.number, birth_date) == wrong_number == NOT_FOUND_MESSAGE
    # Its own organisation does not type it either: it confirms it from its list.
    with pytest.raises(DomainError) as caught:
        ticket_lookup(
            number=ticket.number,
            birth_date=birth_date,
            organisation=setting.organisation,
            ip=None,
        )
    assert str(caught.value) == wrong_number


def test_an_assigned_ticket_cannot_be_entered_without_its_assignment(
    setting: AssignmentSetting,
) -> None:
    assignment = pending_assignment(setting)
    for organisation in (setting.organisation, partner_member().organisation):
        assert redemption_refusal(ticket=assignment.ticket, organisation=organisation) == (
            NOT_FOUND_MESSAGE
        )
        with (
            unchanged(setting, assignment, assignment.ticket),
            pytest.raises(DomainError, match="Aucun ticket ne correspond"),
        ):
            redemption_enter(
                ticket=assignment.ticket, organisation=organisation, actor=setting.member
            )


def test_an_assignment_of_another_organisation_does_not_open_its_ticket(
    setting: AssignmentSetting,
) -> None:
    assignment = pending_assignment(setting)
    other = partner_member()

    with (
        unchanged(setting, assignment, assignment.ticket),
        pytest.raises(DomainError, match="Aucun ticket ne correspond"),
    ):
        redemption_enter(
            ticket=assignment.ticket,
            organisation=other.organisation,
            actor=other,
            assignment=assignment,
        )


def test_an_assigned_ticket_is_not_printed(client: Client, setting: AssignmentSetting) -> None:
    ticket = pending_assignment(setting).ticket
    client.force_login(setting.parent)

    assert not ticket.is_printable()
    assert client.get(reverse("family:ticket_pdf", args=[ticket.pk])).status_code == 410
    assert client.get(reverse("family:ticket", args=[ticket.pk])).status_code == 410


def test_the_family_cancels_an_assigned_ticket_only_by_withdrawing(
    client: Client, setting: AssignmentSetting
) -> None:
    assignment = pending_assignment(setting)
    ticket = assignment.ticket
    client.force_login(setting.parent)

    with unchanged(setting, assignment, ticket):
        response = client.post(reverse("family:ticket_cancel", args=[ticket.pk]))
        with pytest.raises(TransitionError):
            ticket.void(actor=setting.parent, reason="annulé par la famille")

    assert response.status_code == 409
    assert "retirez l'affectation" in " ".join(parse_html(response).get_text().split())


def test_the_back_office_does_not_void_an_assigned_ticket(setting: AssignmentSetting) -> None:
    ticket = pending_assignment(setting).ticket

    assert ticket.staff_void_refusal(None) == "Un ticket « affecté » ne peut pas être annulé."


def test_the_year_end_expiry_expires_assigned_tickets_and_their_assignments() -> None:
    year = SchoolYearFactory(
        label="2020-2021",
        starts_on=dt.date(2020, 9, 1),
        ends_on=dt.date(2021, 8, 31),
        generation_deadline=dt.date(2021, 5, 31),
        redemption_deadline=dt.date(2021, 6, 30),
    )
    setting = assignment_setting(school_year=year)
    assignment = assignment_create(
        wallet=setting.wallet,
        organisation=setting.organisation,
        amount_cents=3000,
        actor=setting.parent,
        today=dt.date(2021, 3, 1),
    )

    summary = tickets_expire_past_deadlines(today=dt.date(2021, 7, 1))

    assert summary["expired"] == 1
    assert db_row(assignment.ticket)["status"] == T.EXPIRED
    assert db_row(assignment)["status"] == A.EXPIRED
    # The credit is lost, like an unused ticket's.
    assert setting.wallet.remaining_cents() == 5000
    assert audit_trail(assignment)[-1] == ("assignment.expire", None)
    assert audit_trail(assignment.ticket)[-1] == ("ticket.expire", None)
    assert tickets_expire_past_deadlines(today=dt.date(2021, 7, 2))["expired"] == 0


def test_the_statistics_count_assigned_tickets(setting: AssignmentSetting) -> None:
    pending_assignment(setting, amount_cents=2500)

    rows = {row["value"]: row for row in ticket_summary(setting.wallet.school_year)}

    assert (rows[T.ASSIGNED]["count"], rows[T.ASSIGNED]["amount"]) == (1, 2500)


def test_a_ticket_voided_with_its_assignment_is_not_restored(setting: AssignmentSetting) -> None:
    assignment = pending_assignment(setting)
    assignment_withdraw(assignment=assignment, actor=setting.parent)
    ticket = Ticket.objects.get(pk=assignment.ticket.pk)

    with unchanged(setting, ticket), pytest.raises(DomainError, match="ne peut pas être rétabli"):
        ticket.restore(actor=UserFactory(gestionnaire=True), reason="erreur")
