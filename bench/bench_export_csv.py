"""The partner's "état des remboursements" CSV over 200,000 redemptions (PostgreSQL).

Measured: what the view streams (`export_rows` through `queryset_csv`: the ORM's query, every
cell formatted for French Excel by the database, written as CSV by PostgreSQL's COPY), read to
the end, and the peak of Python allocations while
streaming (constant memory: it must not grow with the number of rows).
Baseline, in the same run on the same data: PostgreSQL's own `COPY (SELECT the same columns with
the same joins) TO STDOUT WITH CSV`, read to the end by the client. Goal: at least x 0.5 the
baseline's rows per second. Best of three for each.
"""

import os
import secrets
import time
import tracemalloc

from bootstrap import start

start(postgres="passplus_bench_csv", SECRET_KEY=secrets.token_urlsafe(40))

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from payment_data import affiliated_organisation, wallets_with_used_tickets  # noqa: E402

from passplus.core.exports import queryset_csv  # noqa: E402
from passplus.organisations.models import Organisation  # noqa: E402
from passplus.tickets.models import Redemption  # noqa: E402
from passplus.www.partner.exports import HEADER, export_rows  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "200000"))
WALLETS = 5_000

COPY_SQL = """
COPY (
    SELECT t.number, p.first_name || ' ' || p.last_name,
           to_char(r.entered_at AT TIME ZONE 'Europe/Paris', 'DD/MM/YYYY'),
           replace(to_char(r.amount_cents / 100.0, 'FM999990.00'), '.', ','),
           a.name, r.status,
           to_char(run.cut_off AT TIME ZONE 'Europe/Paris', 'DD/MM/YYYY'),
           pay.end_to_end_id,
           to_char(pay.settled_at AT TIME ZONE 'Europe/Paris', 'DD/MM/YYYY')
    FROM tickets_redemption r
    JOIN tickets_ticket t ON t.id = r.ticket_id
    JOIN pupils_wallet w ON w.id = t.wallet_id
    JOIN pupils_pupil p ON p.id = w.pupil_id
    LEFT JOIN organisations_activity a ON a.id = r.activity_id
    LEFT JOIN payments_payment pay ON pay.id = r.payment_id
    LEFT JOIN payments_paymentrun run ON run.id = pay.run_id
    WHERE r.organisation_id = %s
    ORDER BY r.entered_at, r.id
) TO STDOUT WITH (FORMAT csv, DELIMITER ';')
"""


def build_data() -> Organisation:
    wallets_with_used_tickets(ROWS, wallets=WALLETS)
    organisation = affiliated_organisation("CLUB DE BENCH")
    organisation.save()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tickets_redemption (ticket_id, organisation_id, amount_cents, status,
                                            entered_at, status_reason)
            SELECT t.id, %s, t.amount_cents, 'entered',
                   now() - make_interval(mins => t.id::int), ''
            FROM tickets_ticket t
            """,
            [organisation.pk],
        )
        cursor.execute("VACUUM ANALYZE")
    return organisation


def copy_baseline(organisation: Organisation) -> tuple[float, int]:
    raw = connection.connection
    started = time.perf_counter()
    size = 0
    with raw.cursor() as cursor, cursor.copy(COPY_SQL, [organisation.pk]) as copy:
        for block in copy:
            size += len(block)
    return time.perf_counter() - started, size


def ours(organisation: Organisation) -> tuple[float, int]:
    queryset = Redemption.objects.of_organisation(organisation).order_by("entered_at", "pk")
    started = time.perf_counter()
    size = 0
    for piece in queryset_csv(HEADER, export_rows(queryset)):
        size += len(piece.encode() if isinstance(piece, str) else piece)
    return time.perf_counter() - started, size


def main() -> None:
    call_command("migrate", verbosity=0)
    connection.ensure_connection()
    organisation = build_data()
    assert Redemption.objects.of_organisation(organisation).count() == ROWS
    copy_time = min(copy_baseline(organisation)[0] for _ in range(3))
    our_time = min(ours(organisation)[0] for _ in range(3))
    tracemalloc.start()
    _, size = ours(organisation)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(f"PostgreSQL, one organisation's {ROWS:,} redemptions, CSV of {size / 1e6:.1f} MB")
    print(f"  baseline: COPY (SELECT …) TO STDOUT CSV  {ROWS / copy_time:9,.0f} rows/s   x 1.00")
    print(
        f"  export_rows + queryset_csv (the view)        {ROWS / our_time:9,.0f} rows/s   "
        f"x {copy_time / our_time:.2f}   (goal: at least x 0.5)"
    )
    print(f"  peak Python allocations while streaming: {peak:.1f} MB")


if __name__ == "__main__":
    main()
