"""`/metriques/`: Prometheus metrics, for the monitoring server only (docs/operations-metrics.md).

Behind a token (`Authorization: Bearer <PASSPLUS_METRICS_TOKEN>`); with no token configured
the page does not exist. It serves two kinds of figures:

- what the processes counted (requests, look-ups, SMS: `core.metrics`), from this process's
  registry or, with `PROMETHEUS_MULTIPROC_DIR`, from the files of every process of the host;
- what the database knows, read at each scrape (`DatabaseCollector`): tasks by state,
  redemptions, look-up blocks, payment cut-offs and runs, the seal certificate's expiry. These
  are right whatever process or server changed them and survive every restart, so every app
  server reports the same values: aggregate them with `max`, not `sum`.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Max, Min, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import Metric

from passplus.core.metrics import multiprocess_directory
from passplus.core.metrics_files import LockedMultiProcessCollector
from passplus.payments.build import due_cut_offs
from passplus.payments.calendar import cut_offs_between, next_cut_off
from passplus.payments.models import PaymentRun
from passplus.scheduling.retries import failed_for_good
from passplus.signatures.sealing import seal_certificate
from passplus.tickets.models import LookupThrottle, Redemption, RedemptionStatus
from passplus.tickets.models.throttle import ThrottleScope

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.PASSPLUS_METRICS_TOKEN
    if not token:
        raise Http404
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        response = HttpResponse("Jeton requis.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metriques"'
        return response
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return HttpResponse("Jeton refusé.\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)


class _Forward:
    """This process's default registry, as one collector of the scrape's registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    directory = multiprocess_directory()
    registry.register(LockedMultiProcessCollector(directory) if directory else _Forward())
    registry.register(DatabaseCollector())
    return registry


class DatabaseCollector:
    """The figures read from the database at each scrape. A part that fails (database
    unreachable) is left out and `passplus_metrics_database_ok` says so."""

    def collect(self) -> Iterator[Metric]:
        ok = True
        for part in (_tasks, _redemptions, _lookup_blocks, _payments):
            try:
                yield from list(part())
            except DatabaseError:
                logger.exception("Metrics: %s not read", part.__name__)
                ok = False
        yield from _seal()
        yield GaugeMetricFamily(
            "passplus_metrics_database_ok",
            "1 when every figure was read from the database at this scrape, 0 otherwise.",
            value=1 if ok else 0,
        )


def _timestamp(moment: dt.datetime) -> float:
    return moment.timestamp()


def _tasks() -> Iterator[Metric]:
    queues = list(settings.TASKS["default"].get("QUEUES", ["default"]))
    counts = {
        (row["queue_name"], row["status"]): row["n"]
        for row in DBTaskResult.objects.values("queue_name", "status").annotate(n=Count("id"))
    }
    family = GaugeMetricFamily(
        "passplus_tasks",
        "Background task results kept, by queue and state (finished ones are deleted after "
        "TASK_RESULT_RETENTION_DAYS; each failed attempt stays FAILED even when retried).",
        labels=["queue", "status"],
    )
    for queue in sorted(set(queues) | {queue for queue, _ in counts}):
        for status in TaskResultStatus:
            family.add_metric([queue, status.value], counts.get((queue, status.value), 0))
    yield family
    yield GaugeMetricFamily(
        "passplus_tasks_failed_for_good",
        'Failed tasks that will not run again by themselves (the back office\'s "À traiter"; '
        "at most 200 counted).",
        value=len(failed_for_good()),
    )
    oldest = (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY, run_after__lte=timezone.now())
        .aggregate(oldest=Min("enqueued_at"))
        .get("oldest")
    )
    yield GaugeMetricFamily(
        "passplus_tasks_ready_oldest_age_seconds",
        "Age of the oldest task waiting for a worker (0 when none waits).",
        value=(timezone.now() - oldest).total_seconds() if oldest else 0,
    )


def _redemptions() -> Iterator[Metric]:
    by_status = dict(
        Redemption.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    yield CounterMetricFamily(
        "passplus_redemptions_entered",
        "Ticket entries (redemptions) ever made, whatever became of them: increase() over an "
        "hour gives the entries of that hour.",
        value=sum(by_status.values()),
    )
    family = GaugeMetricFamily(
        "passplus_redemptions", "Ticket entries by current state.", labels=["status"]
    )
    for status in RedemptionStatus:
        family.add_metric([status.value], by_status.get(status.value, 0))
    yield family


def _lookup_blocks() -> Iterator[Metric]:
    blocks: dict[str, int] = dict(
        LookupThrottle.objects.values_list("scope")
        .annotate(blocks=Sum("blocks"))
        .values_list("scope", "blocks")
    )
    blocking = dict(
        LookupThrottle.objects.blocking()
        .values_list("scope")
        .annotate(n=Count("id"))
        .values_list("scope", "n")
    )
    total = CounterMetricFamily(
        "passplus_ticket_lookup_blocks",
        "Blocks of ticket look-ups imposed after repeated failures, by scope (organisation or "
        "client address).",
        labels=["scope"],
    )
    active = GaugeMetricFamily(
        "passplus_ticket_lookup_blocks_active",
        "Organisations and addresses blocked from looking up tickets right now.",
        labels=["scope"],
    )
    for scope in ThrottleScope:
        total.add_metric([scope.value], blocks.get(scope.value) or 0)
        active.add_metric([scope.value], blocking.get(scope.value, 0))
    yield total
    yield active


def _payments() -> Iterator[Metric]:
    now = timezone.now()
    passed = cut_offs_between(now - dt.timedelta(days=62), now)
    if passed:
        yield GaugeMetricFamily(
            "passplus_payment_cut_off_last_timestamp_seconds",
            "The last payment cut-off passed (Unix time).",
            value=_timestamp(passed[-1]),
        )
    yield GaugeMetricFamily(
        "passplus_payment_cut_off_next_timestamp_seconds",
        "The next payment cut-off (Unix time).",
        value=_timestamp(next_cut_off(now)),
    )
    last_built = PaymentRun.objects.aggregate(last=Max("built_at"))["last"]
    if last_built is not None:
        yield GaugeMetricFamily(
            "passplus_payment_run_last_built_timestamp_seconds",
            "When the last payment run was built (Unix time).",
            value=_timestamp(last_built),
        )
    due = sorted(due_cut_offs(now))
    yield GaugeMetricFamily(
        "passplus_payment_runs_due",
        "Past cut-offs with entries to pay and no payment run built yet.",
        value=len(due),
    )
    if due:
        yield GaugeMetricFamily(
            "passplus_payment_cut_off_oldest_unbuilt_timestamp_seconds",
            "The oldest past cut-off with entries to pay and no payment run (Unix time).",
            value=_timestamp(due[0]),
        )


def _seal() -> Iterator[Metric]:
    try:
        certificate = seal_certificate()
    except Exception:  # a missing or unreadable seal must not hide the other figures
        logger.exception("Metrics: the seal certificate could not be loaded")
        return
    yield GaugeMetricFamily(
        "passplus_seal_certificate_expiry_timestamp_seconds",
        "When the certificate of the electronic seal expires (Unix time).",
        value=_timestamp(certificate.not_valid_after),
    )
