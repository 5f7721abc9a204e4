"""Marking a whole run paid: 3,000 transfers carrying 100,000 redemptions (PostgreSQL).

Measured: `payment_run_mark_paid`, what the back office's "Marquer les virements en attente
comme payés" runs inside the finance agent's request (transfers paid, redemptions reimbursed,
one audit event per transfer, one remittance-advice task per transfer, the run closed).
For comparison, the loop it replaced: `payment_mark_paid` then the remittance advice's PDF
rendered and its e-mail queued, transfer after transfer (the PDF is now rendered by the worker).
Baseline, in the same run on the same data: the bare SQL a DBA would write — one UPDATE for the
transfers, one for the redemptions, one INSERT … SELECT for the audit events.
Goal: at most x 5 the baseline, and well within a request's time limit (30 s, gunicorn's).
Each side runs in a transaction that is rolled back (then VACUUM); the best of two is kept
(the old loop runs once: it is the slow one).
"""

import os
import secrets

from bootstrap import start

start(postgres="passplus_bench_paid", SECRET_KEY=secrets.token_urlsafe(40))

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from payment_data import CUT_OFF, build_data, timed_and_rolled_back  # noqa: E402

from passplus.accounts.models import Role, User  # noqa: E402
from passplus.notifications.tasks import email_later  # noqa: E402
from passplus.payments.build import payment_run_build  # noqa: E402
from passplus.payments.emails import remittance_advice_email  # noqa: E402
from passplus.payments.models import PaymentRun, PaymentRunStatus, PaymentStatus  # noqa: E402
from passplus.payments.services import (  # noqa: E402
    payment_run_approve,
    payment_run_sepa_download,
    payment_run_transmit,
)
from passplus.payments.settlement import (  # noqa: E402
    payment_mark_paid,
    payment_run_mark_paid,
)

ORGANISATIONS = int(os.environ.get("BENCH_ORGANISATIONS", "3000"))
REDEMPTIONS = int(os.environ.get("BENCH_REDEMPTIONS", "100000"))

BASELINE_SQL = [
    """
    UPDATE tickets_redemption r SET status = 'reimbursed', status_changed_at = now()
    FROM payments_payment p
    WHERE r.payment_id = p.id AND p.run_id = %(run)s AND p.status = 'pending'
      AND r.status = 'in_payment'
    """,
    """
    UPDATE payments_payment SET status = 'paid', settled_at = now()
    WHERE run_id = %(run)s AND status = 'pending'
    """,
    """
    INSERT INTO audit_auditevent (actor_id, actor_label, action, object_type, object_id,
                                  before, after, reason, created_at)
    SELECT %(actor)s, 'finance@bench.fr', 'payment.paid', 'payments.payment', id::text,
           '{"status": "pending"}', '{"status": "paid"}', '', now()
    FROM payments_payment WHERE run_id = %(run)s
    """,
]


def sent_run() -> tuple[PaymentRun, User]:
    """The run built over the data, approved by a second person and sent to the bank."""
    now = timezone.now()  # active finance accounts, as the second admin's step leaves them
    builder = User.objects.create_user(
        email="constructeur@bench.fr", role=Role.FINANCE, staff_activated_at=now
    )
    agent = User.objects.create_user(
        email="finance@bench.fr", role=Role.FINANCE, staff_activated_at=now
    )
    run = payment_run_build(cut_off=CUT_OFF, actor=builder)
    # The real steps: approved by a second person, the file downloaded by them, transmitted.
    payment_run_approve(run=run, actor=agent)
    payment_run_sepa_download(run=run, actor=agent)
    payment_run_transmit(run=run, actor=agent)
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.SENT
    assert run.payments.filter(status=PaymentStatus.PENDING).count() == ORGANISATIONS
    return run, agent


def main() -> None:
    call_command("migrate", verbosity=0)
    build_data(ORGANISATIONS, REDEMPTIONS)
    run, agent = sent_run()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"PostgreSQL, a run of {ORGANISATIONS:,} transfers carrying {REDEMPTIONS:,} redemptions")

    def baseline() -> None:
        with connection.cursor() as cursor:
            for statement in BASELINE_SQL:
                cursor.execute(statement, {"run": run.pk, "actor": agent.pk})

    def ours() -> None:
        assert payment_run_mark_paid(run=run, actor=agent) == ORGANISATIONS

    def former_loop() -> None:
        for payment in run.payments.filter(status=PaymentStatus.PENDING).select_related("run"):
            with transaction.atomic():
                payment_mark_paid(payment=payment, actor=agent)
                recipients = payment.organisation.notification_emails
                email_later(to=recipients or ["club@bench.fr"], **remittance_advice_email(payment))

    base_times, our_times = [], []
    for _ in range(2):
        base_times.append(timed_and_rolled_back(baseline))
        our_times.append(timed_and_rolled_back(ours))
        run.refresh_from_db()
    former = timed_and_rolled_back(former_loop)
    base, our = min(base_times), min(our_times)
    print(f"  baseline: bare SQL (2 UPDATE, INSERT … SELECT)    {base:7.2f} s   x 1.00")
    print(f"  payment_run_mark_paid                             {our:7.2f} s   x {our / base:.2f}")
    ratio = former / base
    print(f"  the former loop (mark_paid + PDF + e-mail each)   {former:7.2f} s   x {ratio:.2f}")
    print("  goals: at most x 5 the baseline, far under 30 s")


if __name__ == "__main__":
    main()
