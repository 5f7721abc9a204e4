"""The pupil import's work: check a stored file (`import_job_validate`), then import it, all or
nothing (`import_job_execute`). Both run in a background task (passplus.pupils.tasks); the staff
choose in between (passplus.pupils.import_requests)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from secrets import token_urlsafe
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.utils import timezone

from passplus.accounts.models import Role, User
from passplus.audit.models import record
from passplus.campaigns.models import SchoolYear
from passplus.pupils.csv_import import FileError, PupilLine, Report, check_file
from passplus.pupils.models import (
    Family,
    ImportJob,
    ImportMode,
    ImportStatus,
    Pupil,
    Wallet,
    new_wallets,
)

BATCH = 2000
MAX_STORED_ERRORS = 1000


def batches(items: Sequence[Any], size: int = BATCH) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check(job: ImportJob, *, with_progress: bool) -> Report | None:
    """Check the job's file and store the counts and errors; None if the file is unusable."""

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed_lines=done, total_lines=total)

    with job.file.open("rb") as handle:
        data = handle.read()
    try:
        report = check_file(data, job.school_year, progress if with_progress else None)
    except FileError as error:
        job.file_error = str(error)
        return None
    job.total_lines = job.processed_lines = report.total
    job.valid_lines, job.error_lines = len(report.valid), len(report.errors)
    job.errors = [
        {"line": line, "messages": messages} for line, messages in report.errors[:MAX_STORED_ERRORS]
    ]
    return report


def import_job_validate(*, job: ImportJob) -> None:
    """Check every line of the file; the job ends `valid` or `invalid` (nothing imported)."""
    if not job.claim(source=ImportStatus.PENDING, target=ImportStatus.VALIDATING):
        return
    report = _check(job, with_progress=True)
    job.status = ImportStatus.INVALID if report is None or report.errors else ImportStatus.VALID
    job.finished_at = timezone.now()
    job.save()


def import_job_execute(*, job: ImportJob) -> None:
    """Check the file again (the database may have changed since), then import in one
    transaction. If the lines that are valid now are not the ones the staff accepted, nothing
    is imported and the new report is shown."""
    if not job.claim(source=ImportStatus.IMPORT_PENDING, target=ImportStatus.IMPORTING):
        return
    accepted_errors = job.error_lines
    report = _check(job, with_progress=False)
    changed = report is None or len(report.errors) != accepted_errors
    if report is None or changed or (job.mode == ImportMode.ALL and report.errors):
        job.status = ImportStatus.INVALID
        job.file_error = job.file_error or (
            "Les données ont changé depuis la vérification : voici le nouveau rapport, "
            "relancez l'import si vous le souhaitez."
        )
        job.finished_at = timezone.now()
        job.save()
        return
    with transaction.atomic():
        counts = import_lines(job=job, lines=report.valid)
        for name, value in counts.items():
            setattr(job, name, value)
        job.status = ImportStatus.IMPORTED
        job.finished_at = timezone.now()
        job.save()
        record(actor=job.imported_by, action="pupil_import.import", obj=job, after=counts)
        if counts["created_families"]:
            # local import (cycle): passplus.pupils.tasks imports this module.
            from passplus.pupils.tasks import import_job_welcome

            import_job_welcome.enqueue(job_id=job.pk)


def import_lines(*, job: ImportJob, lines: list[PupilLine]) -> dict[str, int]:
    """Create or reuse families by e-mail, create or renew pupils, credit their wallets for
    the job's year. Call inside a transaction; bulk inserts by batches of BATCH rows."""
    year: SchoolYear = job.school_year
    emails = {line.email for line in lines}
    families = _families_by_email(emails)
    new_families = _create_families(job, [line for line in lines if line.email not in families])
    families.update(new_families)

    created = [
        Pupil(
            family_id=families[line.email],
            first_name=line.first_name,
            last_name=line.last_name,
            birth_date=line.birth_date,
            college=line.college,
            school_class=line.school_class,
            is_scholarship=line.is_scholarship,
        )
        for line in lines
        if line.existing_pupil_id is None
    ]
    for batch in batches(created):
        Pupil.objects.bulk_create(batch)
    renewed = [
        Pupil(
            pk=line.existing_pupil_id,
            college=line.college,
            school_class=line.school_class,
            is_scholarship=line.is_scholarship,
        )
        for line in lines
        if line.existing_pupil_id is not None
    ]
    Pupil.objects.bulk_update(renewed, ["college", "school_class", "is_scholarship"], BATCH)
    wallets = [wallet for pupil in created + renewed for wallet in new_wallets(year, pupil)]
    for batch in batches(wallets):
        Wallet.objects.bulk_create(batch)
    return {
        "created_families": len(new_families),
        "created_pupils": len(created),
        "renewed_pupils": len(renewed),
        "created_wallets": len(wallets),
    }


def _families_by_email(emails: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(emails)
    for batch in batches(ordered, 900):
        found.update(
            (email.lower(), pk)
            for pk, email in Family.objects.filter(email__in=batch).values_list("pk", "email")
        )
    return found


def _create_families(job: ImportJob, lines: list[PupilLine]) -> dict[str, int]:
    """One family account (role FAMILY, no password yet) per new e-mail; the parent name of
    its first line. A family-role user without a family (rare) gets its family attached.
    The unusable password is what make_password(None) makes, with a faster random suffix."""
    first_line: dict[str, PupilLine] = {}
    for line in lines:
        first_line.setdefault(line.email, line)
    if not first_line:
        return {}
    users: dict[str, int] = {}
    for batch in batches(sorted(first_line), 900):
        users.update(
            User.objects.filter(email__in=batch, role=Role.FAMILY).values_list("email", "pk")
        )
    new_users = [
        User(email=email, role=Role.FAMILY, password=UNUSABLE_PASSWORD_PREFIX + token_urlsafe(30))
        for email in first_line
        if email not in users
    ]
    for batch in batches(new_users):
        users.update((user.email, user.pk) for user in User.objects.bulk_create(batch))
    families = [
        Family(
            user_id=users[email],
            parent_name=line.parent_name,
            email=email,
            import_job=job,
        )
        for email, line in first_line.items()
    ]
    created: dict[str, int] = {}
    for batch in batches(families):
        created.update((family.email, family.pk) for family in Family.objects.bulk_create(batch))
    return created
