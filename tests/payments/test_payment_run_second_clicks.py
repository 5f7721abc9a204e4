"""Issue 30: a finance user clicks a step of a run that a colleague took a moment before, from a
page loaded before it: refused, nothing written, and told in French who took the step and when.
(The same clicks at the same instant, on PostgreSQL: tests/www/backoffice/
test_backoffice_payment_races.py.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.core.errors import TransitionError
from passplus.payments.models import Payment, PaymentRun
from passplus.payments.models import PaymentRunStatus as RS
from passplus.payments.services import (
    payment_run_approve,
    payment_run_check,
    payment_run_close,
    payment_run_transmit,
)
from passplus.payments.settlement import (
    payment_mark_paid,
    payment_mark_rejected,
    payment_run_mark_paid,
)
from passplus.tickets.models import Redemption
from tests.helpers.database import assert_unchanged
from tests.helpers.factories import PaymentRunFactory, UserFactory
from tests.helpers.payments import payment_with_redemptions, run_in

pytestmark = pytest.mark.django_db


def ines() -> Any:
    return UserFactory(finance=True, first_name="Inès", last_name="Martin")


def at(moment: dt.datetime | None) -> str:
    assert moment is not None
    return f"le {timezone.localtime(moment):%d/%m/%Y à %H:%M}"


def refused_after(first: Callable[[], object], second: Callable[[], object], *rows: Any) -> str:
    """Run `first`, then `second` (which must be refused and write nothing); its message."""
    first()
    fresh = [type(row).objects.get(pk=row.pk) for row in rows]
    with (
        assert_unchanged(*fresh, counted=[DBTaskResult, Redemption, Payment]),
        pytest.raises(TransitionError) as refusal,
    ):
        second()
    return str(refusal.value)


def test_checking_a_run_a_colleague_checked_names_them() -> None:
    run = PaymentRunFactory(built_by=None)
    seen = PaymentRun.objects.get(pk=run.pk)

    told = refused_after(
        lambda: payment_run_check(run=run, actor=ines()),
        lambda: payment_run_check(run=seen, actor=UserFactory(finance=True)),
        run,
    )

    assert told == f"Campagne déjà vérifiée par Inès Martin {at(run.checked_at)}."


def test_approving_a_run_a_colleague_approved_names_them() -> None:
    run = PaymentRunFactory(built_by=UserFactory(finance=True))
    seen = PaymentRun.objects.get(pk=run.pk)

    told = refused_after(
        lambda: payment_run_approve(run=run, actor=ines()),
        lambda: payment_run_approve(run=seen, actor=UserFactory(finance=True)),
        run,
    )

    assert told == f"Campagne déjà approuvée par Inès Martin {at(run.approved_at)}."


def test_transmitting_a_run_a_colleague_transmitted_names_them() -> None:
    run = PaymentRunFactory(downloaded=True)
    seen = PaymentRun.objects.get(pk=run.pk)

    told = refused_after(
        lambda: payment_run_transmit(run=run, actor=ines()),
        lambda: payment_run_transmit(run=seen, actor=UserFactory(finance=True)),
        run,
    )

    assert told == f"Campagne déjà transmise à la banque par Inès Martin {at(run.sent_at)}."


@pytest.mark.parametrize("again", ["mark_all_paid", "close"])
def test_acting_on_a_run_a_colleague_closed_names_them(again: str) -> None:
    run = run_in(RS.SENT)
    payment_with_redemptions(run)
    seen = PaymentRun.objects.get(pk=run.pk)
    other = UserFactory(finance=True)
    second = {
        "mark_all_paid": lambda: payment_run_mark_paid(run=seen, actor=other),
        "close": lambda: payment_run_close(run=seen, actor=other),
    }[again]

    told = refused_after(lambda: payment_run_mark_paid(run=run, actor=ines()), second, run)

    run.refresh_from_db()
    assert told == (
        f"Campagne déjà clôturée par Inès Martin {at(run.closed_at)} : "
        "aucun virement n'est en attente."
    )


@pytest.mark.parametrize(
    ("first", "word"), [(payment_mark_paid, "payé"), (payment_mark_rejected, "rejeté")]
)
@pytest.mark.parametrize("second", [payment_mark_paid, payment_mark_rejected])
def test_settling_a_transfer_a_colleague_settled_names_them(
    first: Callable[..., object], word: str, second: Callable[..., object]
) -> None:
    run = run_in(RS.SENT)
    payment = payment_with_redemptions(run)
    payment_with_redemptions(run)  # another, still pending: the run stays open
    seen = Payment.objects.select_related("run").get(pk=payment.pk)

    def settle(how: Callable[..., object], transfer: Payment, actor: Any) -> object:
        reason = {"reason": "AC04 compte clos"} if how is payment_mark_rejected else {}
        return how(payment=transfer, actor=actor, **reason)

    told = refused_after(
        lambda: settle(first, payment, ines()),
        lambda: settle(second, seen, UserFactory(finance=True)),
        payment,
        payment.bank_account,
    )

    payment.refresh_from_db()
    assert told == f"Virement déjà marqué {word} par Inès Martin {at(payment.settled_at)}."
