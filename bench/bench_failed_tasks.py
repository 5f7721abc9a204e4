"""Tasks that failed for good, among a month of e-mails (SQLite; PostgreSQL with DATABASE_URL).

Measured: `failed_for_good()`, which the back office's "À traiter" page and every scrape of
`/metriques/` run: the 200 newest failed tasks, less those whose next attempt is scheduled.
The queue holds what September leaves behind: 100,000 e-mails sent at their first attempt over
30 days (kept 30 days), with 1.4 KB of sealed message each, and 200 failures, half of them
followed by a scheduled retry.
Baseline, in the same run on the same data: reading the 200 newest failed tasks alone.
Goal: at most x 10 the baseline (it reads the candidates' retries, not the month of e-mails).
Best of five for each.
"""

import datetime as dt
import os
import secrets
import time
import uuid

from bootstrap import start

start(SECRET_KEY=secrets.token_urlsafe(40))

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from passplus.notifications.tasks import send_email  # noqa: E402
from passplus.scheduling.retries import failed_for_good  # noqa: E402

SENT = int(os.environ.get("BENCH_TASKS", "100000"))
FAILED = 200
SEALED = secrets.token_urlsafe(1050)  # about 1.4 KB, like a sealed family e-mail


def row(index: int, status: str, when: dt.datetime, attempt: int | None) -> DBTaskResult:
    kwargs = {"to": [f"famille{index}@bench.fr"], "sealed": SEALED}
    if attempt is not None:
        kwargs["attempt"] = attempt
    return DBTaskResult(
        id=uuid.uuid4(),
        status=status,
        enqueued_at=when,
        started_at=when,
        finished_at=when if status != "READY" else None,
        args_kwargs={"args": [], "kwargs": kwargs},
        task_path=send_email.module_path,
        queue_name="emails",
        backend_name="default",
        run_after=when,
        exception_class_path="smtplib.SMTPServerDisconnected" if status == "FAILED" else "",
        traceback="",
    )


def build() -> None:
    # Spread over the month as they were enqueued (auto_now_add would date them all now).
    DBTaskResult._meta.get_field("enqueued_at").auto_now_add = False  # type: ignore[attr-defined]
    now = timezone.now()
    step = dt.timedelta(days=30) / SENT
    DBTaskResult.objects.bulk_create(
        (row(index, "SUCCESSFUL", now - index * step, None) for index in range(SENT)),
        batch_size=5000,
    )
    failures = []
    for index in range(FAILED):
        when = now - dt.timedelta(days=29) + index * dt.timedelta(hours=3)
        failures.append(row(SENT + index, "FAILED", when, None))
        if index % 2:  # attempt 2 scheduled: not failed for good
            failures.append(row(SENT + index, "READY", when, 2))
    DBTaskResult.objects.bulk_create(failures)


def best_of(action: object, times: int = 5) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def baseline() -> None:
    list(DBTaskResult.objects.failed().order_by("-finished_at")[:FAILED])


def ours() -> None:
    assert len(failed_for_good()) == FAILED // 2


def main() -> None:
    call_command("migrate", verbosity=0)
    build()
    base, our = best_of(baseline), best_of(ours)
    print(f"{SENT:,} e-mails sent over 30 days, {FAILED} failures, half of them retried")
    print(f"  baseline: the {FAILED} newest failed tasks   {base * 1000:8.1f} ms   x 1.00")
    print(f"  failed_for_good()                   {our * 1000:8.1f} ms   x {our / base:.2f}")
    print("  goal: at most x 10")


if __name__ == "__main__":
    main()
