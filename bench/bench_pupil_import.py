"""Pupil CSV import: check + import of N lines (passplus.pupils.services), as the two
background tasks run them.

N lines, about 2 pupils for 3 families... rather: every third line is a sibling (same family
e-mail as the line before), so N lines create ~2N/3 families and users, N pupils, N wallets.
The check reads and validates every line against the database; the import creates users,
families, pupils and wallets by bulk inserts in one transaction.
Baseline, measured in the same run on the same database: reading the same CSV with the csv
module and bulk-inserting N bare pupil rows (one family, batches of 2,000, one transaction).
Goal: N = 100,000 in about a minute. The database is a throwaway SQLite file (WAL).
"""

import csv
import datetime as dt
import io
import os
import time

from bootstrap import start

start(MEDIA_ROOT="{tmp}/media")

from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from passplus.campaigns.models import SchoolYear  # noqa: E402
from passplus.pupils import services  # noqa: E402
from passplus.pupils.csv_import import HEADER_LINE  # noqa: E402
from passplus.pupils.models import Family, ImportJob, ImportMode, ImportStatus, Pupil, Wallet  # noqa: E402

N = int(os.environ.get("BENCH_LINES", "100000"))
CLASSES = ["6e", "5e", "4e", "3e"]


def make_csv() -> bytes:
    lines = [HEADER_LINE]
    for n in range(N):
        family = n - (n % 3 == 2)  # every third line: a sibling of the line before
        born = dt.date(2011, 1, 1) + dt.timedelta(days=n % 1400)
        lines.append(
            f"parent{family}@example.fr;Parent {family};Prénom{n};Nom{family};"
            f"{born:%d/%m/%Y};Collège n°{n % 120};{CLASSES[n % 4]};{'oui' if n % 4 == 0 else 'non'}"
        )
    return "\r\n".join(lines).encode("utf-8-sig")


def baseline(data: bytes) -> float:
    start = time.perf_counter()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))[1:]
    with transaction.atomic():
        family = Family.objects.create(parent_name="Bench", email="bench@example.fr")
        pupils = [
            Pupil(
                family=family,
                first_name=row[2],
                last_name=row[3],
                birth_date=dt.date(2012, 1, 1),
                college=row[5],
                school_class=row[6],
            )
            for row in rows
        ]
        for batch in services.batches(pupils):
            Pupil.objects.bulk_create(batch)
    seconds = time.perf_counter() - start
    Pupil.objects.all().delete()
    family.delete()
    return seconds


def main() -> None:
    call_command("migrate", verbosity=0)
    year = SchoolYear.objects.create(
        label="2026-2027",
        starts_on=dt.date(2026, 9, 1),
        ends_on=dt.date(2027, 8, 31),
        generation_deadline=dt.date(2027, 5, 31),
        redemption_deadline=dt.date(2027, 6, 30),
    )
    data = make_csv()
    base = baseline(data)

    job = ImportJob(school_year=year, original_name="bench.csv")
    job.file.save("bench.csv", ContentFile(data))
    start = time.perf_counter()
    services.import_job_validate(job=job)
    checked = time.perf_counter() - start
    assert job.status == ImportStatus.VALID, (job.file_error, job.errors[:3])
    job.status, job.mode = ImportStatus.IMPORT_PENDING, ImportMode.ALL
    job.save()
    start = time.perf_counter()
    services.import_job_execute(job=job)
    imported = time.perf_counter() - start
    assert job.status == ImportStatus.IMPORTED, job.file_error
    assert Pupil.objects.count() == N and Wallet.objects.count() == N

    print(f"N = {N} lines, {job.created_families} families, throwaway SQLite database")
    for label, seconds in [
        ("baseline: csv.reader + bulk_create", base),
        ("check (every line)", checked),
        ("import (check again + insert)", imported),
        ("check + import", checked + imported),
    ]:
        print(f"  {label:36} {seconds:7.2f} s  {N / seconds:9.0f} lines/s   x {seconds / base:.2f}")


if __name__ == "__main__":
    main()
