"""Ticket and Redemption lifecycles (docs/design.md §4) and the entry of a ticket by an
organisation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from passplus.core.enums import Domain, WalletDomain
from passplus.core.errors import DomainError, TransitionError
from passplus.organisations.models import Organisation
from passplus.pupils.models import Wallet
from passplus.tickets.models import Redemption, Ticket
from passplus.tickets.models import RedemptionStatus as R
from passplus.tickets.models import TicketStatus as T
from passplus.tickets.numbers import is_valid_ticket_number
from passplus.tickets.services import redemption_enter
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.factories import (
    ActivityFactory,
    OrganisationFactory,
    PaymentFactory,
    RedemptionFactory,
    SchoolYearFactory,
    TicketFactory,
    UserFactory,
    WalletFactory,
)

pytestmark = pytest.mark.django_db


def open_day(ticket: Ticket) -> dt.date:
    """A day when the ticket's school year accepts redemptions (tests do not depend on today)."""
    return ticket.wallet.school_year.starts_on + dt.timedelta(days=30)


# Ticket.issue ----------------------------------------------------------------------------------


def test_issuing_a_ticket_takes_its_amount_from_the_wallet_and_is_audited() -> None:
    wallet = WalletFactory(granted_cents=8000)
    parent = wallet.pupil.family.user

    ticket = Ticket.issue(wallet=wallet, amount_cents=3000, actor=parent)

    assert db_row(ticket)["status"] == T.AVAILABLE
    assert db_row(ticket)["amount_cents"] == 3000
    assert is_valid_ticket_number(ticket.number)
    assert wallet.remaining_cents() == 5000
    assert audit_trail(ticket) == [("ticket.issue", parent.pk)]


def test_the_whole_remaining_credit_can_be_issued_but_not_one_cent_more() -> None:
    wallet = WalletFactory(granted_cents=8000)
    parent = wallet.pupil.family.user
    Ticket.issue(wallet=wallet, amount_cents=5000, actor=parent)

    with assert_unchanged(wallet, counted=[Ticket]), pytest.raises(DomainError, match="restant"):
        Ticket.issue(wallet=wallet, amount_cents=3001, actor=parent)

    Ticket.issue(wallet=wallet, amount_cents=3000, actor=parent)
    assert wallet.remaining_cents() == 0


@pytest.mark.parametrize("amount", [0, -100])
def test_a_ticket_amount_must_be_positive(amount: int) -> None:
    wallet = WalletFactory()

    with assert_unchanged(wallet, counted=[Ticket]), pytest.raises(DomainError, match="positif"):
        Ticket.issue(wallet=wallet, amount_cents=amount, actor=wallet.pupil.family.user)


def test_used_and_expired_tickets_still_count_against_the_credit() -> None:
    wallet = WalletFactory(granted_cents=8000)
    TicketFactory(wallet=wallet, amount_cents=1000, used=True)
    TicketFactory(wallet=wallet, amount_cents=2000, expired=True)
    TicketFactory(wallet=wallet, amount_cents=4000, void=True)

    assert wallet.remaining_cents() == 5000
    assert Wallet.objects.with_balance().get(pk=wallet.pk).remaining == 5000


# Ticket transitions ----------------------------------------------------------------------------

# method -> (states it may start from, state reached, audit action); docs/design.md §4.
TICKET_LIFECYCLE: dict[str, tuple[set[str], str, str]] = {
    "use": ({T.AVAILABLE}, T.USED, "ticket.use"),
    "release": ({T.USED}, T.AVAILABLE, "ticket.release"),
    "void": ({T.AVAILABLE}, T.VOID, "ticket.void"),
    "restore": ({T.VOID}, T.AVAILABLE, "ticket.restore"),
    "void_assigned": ({T.ASSIGNED}, T.VOID, "ticket.void"),
    "expire": ({T.AVAILABLE, T.ASSIGNED}, T.EXPIRED, "ticket.expire"),
}


def call_ticket(ticket: Ticket, method: str, actor: Any) -> None:
    reasoned = {"void", "void_assigned", "restore"}
    kwargs = {"reason": "Erreur de montant"} if method in reasoned else {}
    getattr(ticket, method)(actor=actor, **kwargs)


@pytest.mark.parametrize(
    ("method", "start", "end", "action"),
    [
        pytest.param(method, start, end, action, id=f"{method}-from-{start}")
        for method, (starts, end, action) in TICKET_LIFECYCLE.items()
        for start in sorted(starts)
    ],
)
def test_an_allowed_ticket_transition_is_saved_and_audited(
    method: str, start: str, end: str, action: str
) -> None:
    ticket = TicketFactory(status=start)
    staff = UserFactory(gestionnaire=True)

    call_ticket(ticket, method, staff)

    assert db_row(ticket)["status"] == end
    assert db_row(ticket)["status_changed_at"] is not None
    assert audit_trail(ticket) == [(action, staff.pk)]


@pytest.mark.parametrize(
    ("method", "start"),
    [
        pytest.param(method, start, id=f"{method}-from-{start}")
        for method, (starts, _end, _action) in TICKET_LIFECYCLE.items()
        for start in T.values
        if start not in starts
    ],
)
def test_a_ticket_transition_not_in_the_lifecycle_is_refused_and_writes_nothing(
    method: str, start: str
) -> None:
    ticket = TicketFactory(status=start)

    with assert_unchanged(ticket), pytest.raises(TransitionError):
        call_ticket(ticket, method, UserFactory(gestionnaire=True))


def test_expiry_by_the_scheduled_job_is_audited_as_the_system() -> None:
    ticket = TicketFactory()

    ticket.expire()

    assert audit_trail(ticket) == [("ticket.expire", None)]


@pytest.mark.parametrize("reason", ["", "  "])
def test_voiding_a_ticket_requires_a_reason(reason: str) -> None:
    ticket = TicketFactory()

    with assert_unchanged(ticket), pytest.raises(DomainError, match="motif"):
        ticket.void(actor=ticket.wallet.pupil.family.user, reason=reason)


def test_voiding_a_ticket_returns_its_credit_to_the_wallet() -> None:
    wallet = WalletFactory(granted_cents=8000)
    parent = wallet.pupil.family.user
    ticket = Ticket.issue(wallet=wallet, amount_cents=2000, actor=parent)
    assert wallet.remaining_cents() == 6000

    ticket.void(actor=parent, reason="Mauvais montant")

    assert wallet.remaining_cents() == 8000
    assert db_row(ticket)["status_reason"] == "Mauvais montant"


def test_a_voided_ticket_can_be_restored_while_its_credit_is_unused() -> None:
    wallet = WalletFactory(granted_cents=8000)
    ticket = Ticket.issue(wallet=wallet, amount_cents=2000, actor=wallet.pupil.family.user)
    ticket.void(actor=wallet.pupil.family.user, reason="Mauvais montant")
    staff = UserFactory(gestionnaire=True)

    ticket.restore(actor=staff, reason="Annulation par erreur")

    assert db_row(ticket)["status"] == T.AVAILABLE
    assert wallet.remaining_cents() == 6000


def test_restoring_a_voided_ticket_is_refused_when_its_credit_was_reused() -> None:
    wallet = WalletFactory(granted_cents=8000)
    parent = wallet.pupil.family.user
    voided = Ticket.issue(wallet=wallet, amount_cents=8000, actor=parent)
    voided.void(actor=parent, reason="Mauvais montant")
    Ticket.issue(wallet=wallet, amount_cents=2000, actor=parent)

    with assert_unchanged(voided), pytest.raises(DomainError, match="réutilisé"):
        voided.restore(actor=UserFactory(gestionnaire=True), reason="Annulation par erreur")

    assert wallet.remaining_cents() == 6000


def test_restoring_checks_the_credit_even_from_an_object_loaded_before_the_void() -> None:
    wallet = WalletFactory(granted_cents=8000)
    parent = wallet.pupil.family.user
    ticket = Ticket.issue(wallet=wallet, amount_cents=8000, actor=parent)
    seen_by_the_back_office = Ticket.objects.get(pk=ticket.pk)  # still "available" in memory
    ticket.void(actor=parent, reason="Mauvais montant")
    Ticket.issue(wallet=wallet, amount_cents=8000, actor=parent)

    with (
        assert_unchanged(ticket),
        pytest.raises(DomainError, match="réutilisé"),
    ):
        seen_by_the_back_office.restore(actor=UserFactory(gestionnaire=True), reason="Erreur")

    assert wallet.remaining_cents() == 0


# Redemption transitions ------------------------------------------------------------------------

# One by one, a redemption is only cancelled; into and out of a payment it moves in sets with
# its payment (tests/payments: the build, the bank's answer, and `settle` below).
REDEMPTION_LIFECYCLE: dict[str, tuple[set[str], str, str]] = {
    "cancel": ({R.ENTERED}, R.CANCELLED, "redemption.cancel"),
}


def redemption_in(status: str) -> Redemption:
    return RedemptionFactory(**{status: True} if status != R.ENTERED else {})


def call_redemption(redemption: Redemption, method: str, actor: Any) -> None:
    getattr(redemption, method)(actor=actor)


@pytest.mark.parametrize(
    ("method", "start", "end", "action"),
    [
        pytest.param(method, start, end, action, id=f"{method}-from-{start}")
        for method, (starts, end, action) in REDEMPTION_LIFECYCLE.items()
        for start in sorted(starts)
    ],
)
def test_an_allowed_redemption_transition_is_saved_and_audited(
    method: str, start: str, end: str, action: str
) -> None:
    redemption = redemption_in(start)
    actor = UserFactory(finance=True)

    call_redemption(redemption, method, actor)

    assert db_row(redemption)["status"] == end
    assert audit_trail(redemption) == [(action, actor.pk)]


@pytest.mark.parametrize(
    ("method", "start"),
    [
        pytest.param(method, start, id=f"{method}-from-{start}")
        for method, (starts, _end, _action) in REDEMPTION_LIFECYCLE.items()
        for start in R.values
        if start not in starts
    ],
)
def test_a_redemption_transition_not_in_the_lifecycle_is_refused_and_writes_nothing(
    method: str, start: str
) -> None:
    redemption = redemption_in(start)

    with assert_unchanged(redemption, redemption.ticket), pytest.raises(TransitionError):
        call_redemption(redemption, method, UserFactory(finance=True))


@pytest.mark.parametrize("to", [R.REIMBURSED, R.REJECTED])
def test_the_banks_answer_moves_only_the_payments_redemptions_in_payment(to: str) -> None:
    """`settle`, what the payment services run: one UPDATE of the redemptions in payment."""
    payment = PaymentFactory()
    carried = RedemptionFactory(organisation=payment.organisation, in_payment=True, payment=payment)
    others = [
        RedemptionFactory(organisation=payment.organisation, status=status)
        for status in (R.ENTERED, R.CANCELLED, R.REJECTED)
    ]
    elsewhere = RedemptionFactory(in_payment=True)

    with assert_unchanged(*others, elsewhere):
        moved = payment.redemptions.settle(to, reason="Compte clos")

    assert moved == 1
    row = db_row(carried)
    assert (row["status"], row["status_reason"]) == (to, "Compte clos")
    assert row["status_changed_at"] is not None


@pytest.mark.parametrize("to", [R.ENTERED, R.IN_PAYMENT, R.CANCELLED])
def test_the_banks_answer_settles_redemptions_only_as_reimbursed_or_rejected(to: str) -> None:
    redemption = RedemptionFactory(in_payment=True)

    with assert_unchanged(redemption), pytest.raises(ValueError, match="reimbursed or rejected"):
        Redemption.objects.filter(pk=redemption.pk).settle(to)


# redemption_enter --------------------------------------------------------------------------------


def test_an_affiliated_organisation_enters_an_available_ticket() -> None:
    ticket = TicketFactory(amount_cents=3500)
    organisation = OrganisationFactory()
    member = UserFactory(role="organisation", organisation=organisation)
    activity = ActivityFactory(organisation=organisation)

    redemption = redemption_enter(
        ticket=ticket,
        organisation=organisation,
        actor=member,
        activity=activity,
        today=open_day(ticket),
    )

    row = db_row(redemption)
    assert row["status"] == R.ENTERED
    assert row["amount_cents"] == 3500
    assert row["organisation_id"] == organisation.pk
    assert row["activity_id"] == activity.pk
    assert row["entered_by_id"] == member.pk
    assert ticket.status == T.USED  # the caller's object is refreshed
    assert db_row(ticket)["status"] == T.USED
    assert audit_trail(redemption) == [("redemption.enter", member.pk)]
    assert audit_trail(ticket) == [("ticket.use", member.pk)]


def test_an_organisation_can_enter_a_ticket_without_naming_an_activity() -> None:
    ticket = TicketFactory()

    redemption = redemption_enter(
        ticket=ticket, organisation=OrganisationFactory(), actor=None, today=open_day(ticket)
    )

    assert db_row(redemption)["activity_id"] is None


def enter_refused(ticket: Ticket, organisation: Any, match: str, **kwargs: Any) -> None:
    """Entering the ticket is refused with `match` in the message, and writes nothing."""
    kwargs.setdefault("today", open_day(ticket))
    with (
        assert_unchanged(ticket, counted=[Redemption]),
        pytest.raises(DomainError, match=match),
    ):
        redemption_enter(ticket=ticket, organisation=organisation, actor=None, **kwargs)


def test_a_ticket_already_entered_by_another_organisation_is_refused() -> None:
    ticket = TicketFactory()
    stale_copy = Ticket.objects.get(pk=ticket.pk)  # the second desk loaded it before the first
    redemption_enter(
        ticket=ticket, organisation=OrganisationFactory(), actor=None, today=open_day(ticket)
    )

    enter_refused(stale_copy, OrganisationFactory(), "déjà été utilisé")


@pytest.mark.parametrize(
    ("status", "message"), [(T.USED, "déjà été utilisé"), (T.VOID, "annulé"), (T.EXPIRED, "expiré")]
)
def test_only_an_available_ticket_can_be_entered(status: str, message: str) -> None:
    enter_refused(TicketFactory(status=status), OrganisationFactory(), message)


def test_a_ticket_is_refused_after_the_redemption_deadline_of_its_school_year() -> None:
    ticket = TicketFactory()
    deadline = ticket.wallet.school_year.redemption_deadline

    enter_refused(
        ticket, OrganisationFactory(), "close depuis le", today=deadline + dt.timedelta(days=1)
    )
    redemption_enter(
        ticket=ticket, organisation=OrganisationFactory(), actor=None, today=deadline
    )  # the deadline day itself is still open


def test_a_ticket_is_refused_before_its_school_year_starts() -> None:
    ticket = TicketFactory()
    starts_on = ticket.wallet.school_year.starts_on

    enter_refused(ticket, OrganisationFactory(), "close", today=starts_on - dt.timedelta(days=1))


@pytest.mark.parametrize("status", ["identified", "signing", "suspended", "terminated"])
def test_only_an_affiliated_organisation_can_enter_a_ticket(status: str) -> None:
    enter_refused(TicketFactory(), OrganisationFactory(status=status), "pas affilié")


def test_an_organisation_suspended_since_it_was_loaded_cannot_enter_a_ticket() -> None:
    organisation = OrganisationFactory()
    loaded_by_the_desk = Organisation.objects.get(pk=organisation.pk)
    organisation.suspend(actor=UserFactory(gestionnaire=True), reason="Contrôle en cours")

    enter_refused(TicketFactory(), loaded_by_the_desk, "pas affilié")


def test_a_culture_organisation_cannot_enter_a_sport_only_ticket_of_a_split_year() -> None:
    year = SchoolYearFactory(split=True, label="split-year")
    wallet = WalletFactory(school_year=year, domain=WalletDomain.SPORT, granted_cents=4000)
    ticket = TicketFactory(wallet=wallet)

    enter_refused(ticket, OrganisationFactory(culture=True), "ne peut pas servir")
    redemption_enter(
        ticket=ticket, organisation=OrganisationFactory(), actor=None, today=open_day(ticket)
    )  # a sport organisation can


def test_the_activity_named_must_be_of_the_ticket_domain() -> None:
    year = SchoolYearFactory(split=True, label="split-year")
    ticket = TicketFactory(wallet=WalletFactory(school_year=year, domain=WalletDomain.SPORT))
    organisation = OrganisationFactory(offers_sport=True, offers_culture=True)
    theatre = ActivityFactory(organisation=organisation, name="Théâtre", domain=Domain.CULTURE)

    enter_refused(ticket, organisation, "ne peut pas servir", activity=theatre)


def test_an_activity_of_another_organisation_is_refused() -> None:
    ticket = TicketFactory()
    someone_elses = ActivityFactory(organisation=OrganisationFactory())

    enter_refused(ticket, OrganisationFactory(), "n'appartient pas", activity=someone_elses)


def test_a_live_redemption_blocks_a_second_entry_even_if_the_ticket_looks_available() -> None:
    """The partial unique constraint is the last line of defence (e.g. after a bypass)."""
    ticket = TicketFactory()
    RedemptionFactory(ticket=ticket)  # ticket row still says "available"

    enter_refused(ticket, OrganisationFactory(), "déjà été saisi")


def test_cancelling_a_redemption_releases_the_ticket_for_a_new_entry() -> None:
    ticket = TicketFactory()
    first_org, second_org = OrganisationFactory(), OrganisationFactory()
    member = UserFactory(role="organisation", organisation=first_org)
    first = redemption_enter(
        ticket=ticket, organisation=first_org, actor=member, today=open_day(ticket)
    )

    first.cancel(actor=member, reason="Erreur de saisie")

    assert db_row(first)["status"] == R.CANCELLED
    assert db_row(ticket)["status"] == T.AVAILABLE
    assert audit_trail(first) == [("redemption.enter", member.pk), ("redemption.cancel", member.pk)]
    assert audit_trail(ticket) == [("ticket.use", member.pk), ("ticket.release", member.pk)]

    second = redemption_enter(
        ticket=ticket, organisation=second_org, actor=None, today=open_day(ticket)
    )

    assert db_row(second)["status"] == R.ENTERED
    assert db_row(ticket)["status"] == T.USED
    assert Redemption.objects.filter(ticket=ticket).live().get() == second


def test_a_refused_cancellation_leaves_the_ticket_used() -> None:
    redemption = RedemptionFactory(in_payment=True)

    with assert_unchanged(redemption, redemption.ticket), pytest.raises(TransitionError):
        redemption.cancel(actor=None)

    assert db_row(redemption.ticket)["status"] == T.USED


@pytest.mark.parametrize("offset_days", [-1, 1])
def test_tickets_are_issued_only_during_the_generation_period(offset_days: int) -> None:
    wallet = WalletFactory()
    year = wallet.school_year
    day = year.starts_on if offset_days < 0 else year.generation_deadline
    today = day + dt.timedelta(days=offset_days)

    with (
        assert_unchanged(wallet, counted=[Ticket]),
        pytest.raises(DomainError, match="se créent du"),
    ):
        Ticket.issue(wallet=wallet, amount_cents=1000, actor=None, today=today)

    Ticket.issue(wallet=wallet, amount_cents=1000, actor=None, today=day)
    assert wallet.remaining_cents() == wallet.granted_cents - 1000
