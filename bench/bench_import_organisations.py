"""Switch-over import (docs/switch-over.md): N organisation lines checked (`check_file`: every
validator, the communes, duplicates in the file and on the platform) then imported
(`apply_lines`: organisations created affiliated and audited, their previous conventions, pending
bank details, one activity per domain, the claim invitations' task queued), as the two
background tasks run them, and the peak of Python allocations (tracemalloc) over both,
measured apart on a second file (tracing slows Python several-fold).

Baseline, in the same run on the same database: reading the same CSV with `csv.reader` and
`bulk_create` of N bare organisation rows (name, legal form, creation date, commune), in one
transaction. Goal: at most x 10 the baseline. N = 3,000 (BENCH_LINES shrinks it).

Runs on a throwaway SQLite file, then again on a throwaway PostgreSQL database (a child
process: `python bench/bench_import_organisations.py postgres`; skipped quietly without a
server). The lines come from tests/helpers/switch_over.py, the suite's own generator.
"""

import csv
import datetime as dt
import hashlib
import io
import os
import subprocess
import sys
import time
import tracemalloc

from bootstrap import start

ON_POSTGRES = sys.argv[1:] == ["postgres"]
if ON_POSTGRES:
    start(postgres="passplus_bench_orgimport", MEDIA_ROOT="{tmp}/media")
else:
    start(MEDIA_ROOT="{tmp}/media")

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from passplus.accounts.models import Role, User  # noqa: E402
from passplus.organisations.models import BankAccount, Organisation  # noqa: E402
from passplus.organisations.switch_over.applying import apply_lines  # noqa: E402
from passplus.organisations.switch_over.checking import check_file  # noqa: E402
from passplus.territory.models import Commune  # noqa: E402
from tests.helpers.switch_over import organisation_csv  # noqa: E402

N = int(os.environ.get("BENCH_LINES", "3000"))


def baseline(data: bytes) -> float:
    commune = Commune.objects.first()
    assert commune is not None
    started = time.perf_counter()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))[1:]
    with transaction.atomic():
        Organisation.objects.bulk_create(
            [
                Organisation(
                    legal_name=f"{row[0]} (référence)",
                    legal_form="association",
                    creation_date=dt.date(2000, 1, 1),
                    commune=commune,
                )
                for row in rows
            ],
            batch_size=1000,
        )
    seconds = time.perf_counter() - started
    Organisation.objects.all().delete()
    return seconds


def check_and_import(data: bytes, actor: User) -> tuple[float, float]:
    started = time.perf_counter()
    result = check_file(data, archive=None)
    checked = time.perf_counter() - started
    assert not result.errors and len(result.valid) == N, result.errors[:3]
    started = time.perf_counter()
    applied = apply_lines(
        result.valid,
        source=None,
        sha256=hashlib.sha256(data).hexdigest(),
        archive=None,
        actor=actor,
    )
    imported = time.perf_counter() - started
    assert applied.created == N
    return checked, imported


def main() -> None:
    call_command("migrate", verbosity=0)
    actor = User.objects.create_user(
        "reprise@example.fr", "Bench-password-1", role=Role.GESTIONNAIRE
    )
    data = organisation_csv(N)
    base = baseline(data)
    checked, imported = check_and_import(data, actor)
    assert BankAccount.objects.count() == N
    # Memory apart: tracemalloc slows Python several-fold, so the timed pass runs without it
    # and a second file of N other organisations is checked and imported under it.
    tracemalloc.start()
    check_and_import(organisation_csv(N, start=N), actor)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(
        f"N = {N} lines ({len(data) / 1024:.0f} KiB), throwaway {connection.vendor} database; "
        f"peak Python allocations {peak / 2**20:.1f} MiB (a second file, traced)"
    )
    for label, seconds in [
        ("baseline: csv.reader + bulk_create", base),
        ("check (check_file)", checked),
        ("import (apply_lines)", imported),
        ("check + import", checked + imported),
    ]:
        print(f"  {label:36} {seconds:7.2f} s  {N / seconds:9.0f} lines/s   x {seconds / base:.2f}")


if __name__ == "__main__":
    main()
    if not ON_POSTGRES:
        sys.stdout.flush()
        subprocess.run([sys.executable, __file__, "postgres"], check=True)  # noqa: S603 - this script
