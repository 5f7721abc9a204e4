"""Building a payment run over 1,000,000 entered redemptions of 3,000 organisations (PostgreSQL).

Measured: `payment_run_build` (sum per organisation, payments bulk-inserted, redemptions moved,
conservation check, audit) then the run's SEPA file (`sepa_file`: sepaxml, XSD validation),
and the peak memory of this process (goal: at most 300 MB).
Baseline, in the same run on the same data: the bare SQL a DBA would write — one
INSERT … SELECT … GROUP BY for the payments and one UPDATE … FROM for the redemptions.
Goal: at most x 2 the baseline. Each side runs in a transaction that is rolled back (then
VACUUM), twice, alternately; the best of each is kept.
"""

import datetime as dt
import os
import resource
import secrets
import time

from bootstrap import start

start(postgres="passplus_bench_run", SECRET_KEY=secrets.token_urlsafe(40))

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from payment_data import CUT_OFF, build_data, timed_and_rolled_back  # noqa: E402

from passplus.accounts.models import Role, User  # noqa: E402
from passplus.payments.build import payment_run_build  # noqa: E402
from passplus.payments.models import PaymentRun, PaymentRunStatus  # noqa: E402
from passplus.payments.sepa import sepa_file  # noqa: E402

ORGANISATIONS = int(os.environ.get("BENCH_ORGANISATIONS", "3000"))
REDEMPTIONS = int(os.environ.get("BENCH_REDEMPTIONS", "1000000"))


BASELINE_SQL = [
    """
    INSERT INTO payments_payment (run_id, organisation_id, bank_account_id, holder, iban, bic,
                                  amount_cents, ticket_count, end_to_end_id, status,
                                  rejection_reason)
    SELECT %(run)s, r.organisation_id, b.id, b.holder, b.iban, b.bic, SUM(r.amount_cents),
           COUNT(*), 'BASE-' || r.organisation_id, 'pending', ''
    FROM tickets_redemption r
    JOIN organisations_bankaccount b ON b.organisation_id = r.organisation_id
                                     AND b.status = 'validated'
    WHERE r.status = 'entered' AND r.entered_at < %(cut_off)s
    GROUP BY r.organisation_id, b.id, b.holder, b.iban, b.bic
    """,
    """
    UPDATE tickets_redemption r SET status = 'in_payment', payment_id = p.id,
                                    status_changed_at = now()
    FROM payments_payment p
    WHERE p.run_id = %(run)s AND p.organisation_id = r.organisation_id
      AND r.status = 'entered' AND r.entered_at < %(cut_off)s
    """,
]


def baseline() -> None:
    run = PaymentRun.objects.create(cut_off=CUT_OFF + dt.timedelta(days=1))
    with connection.cursor() as cursor:
        for statement in BASELINE_SQL:
            cursor.execute(statement, {"run": run.pk, "cut_off": CUT_OFF})


SEPA_SECONDS: list[float] = []


def ours() -> None:
    """The run, then its SEPA file (check and approval set directly: two finance users'
    clicks, as the scheduler-built run's four eyes require)."""
    run = payment_run_build(cut_off=CUT_OFF)
    assert run.payments.count() == ORGANISATIONS
    checker, approver = (
        User.objects.get_or_create(email=f"{name}@bench.fr", role=Role.FINANCE)[0]
        for name in ("verificateur", "approbateur")
    )
    PaymentRun.objects.filter(pk=run.pk).update(
        status=PaymentRunStatus.APPROVED, checked_by=checker, approved_by=approver
    )
    run.refresh_from_db()
    started = time.perf_counter()
    produced = sepa_file(run)  # built with sepaxml, validated against the XSD
    SEPA_SECONDS.append(time.perf_counter() - started)
    assert produced.xml.count(b"<CdtTrfTxInf>") == ORGANISATIONS


def main() -> None:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    build_data(ORGANISATIONS, REDEMPTIONS)
    print(
        f"PostgreSQL, {REDEMPTIONS:,} entered redemptions of {ORGANISATIONS:,} organisations "
        f"(data built in {time.perf_counter() - started:.0f} s)"
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base_times, our_times = [], []
    for _ in range(2):
        base_times.append(timed_and_rolled_back(baseline))
        our_times.append(timed_and_rolled_back(ours))
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base, our = min(base_times), min(our_times)
    print(f"  baseline: bare SQL (INSERT, UPDATE)               {base:7.2f} s   x 1.00")
    print(f"  payment_run_build + SEPA file                     {our:7.2f} s   x {our / base:.2f}")
    sepa = min(SEPA_SECONDS)
    print(f"    of which the SEPA file of {ORGANISATIONS:,} transfers, XSD-validated: {sepa:.2f} s")
    print(
        f"  peak memory of this process: {rss_peak:.0f} MB "
        f"({rss_before:.0f} MB before the builds); goals: at most x 2 and 300 MB"
    )


if __name__ == "__main__":
    main()
