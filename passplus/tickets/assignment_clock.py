"""The scheduler's job `assignments` (issue 35, « The clock »): expire the pending assignments
whose time to answer is over, remind the organisation a week before, and tell it of the new
ones in a digest at most once a day.

Everything is computed from the data at `now`, never from the scheduler's memory: run late,
twice, or by two processes at once, it expires each assignment once and sends each e-mail once.
Each expiry is its own transaction (the assignment row locked by `assignment_expire`); the
digest and the reminder lock the organisation's assignment rows they name, then mark them
(`announced_at`, `reminded_at`) in the transaction that queues the e-mail: a second run waits
for the first one's commit, then finds nothing left to name.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import F, Max

from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.organisations.models import Organisation
from passplus.tickets.assignment_emails import organisation_list_notify
from passplus.tickets.assignments import assignment_expire
from passplus.tickets.models import Assignment, AssignmentQuerySet

logger = logging.getLogger(__name__)

# An organisation gets at most one digest of new assignments in this time.
DIGEST_INTERVAL = dt.timedelta(days=1)
# The reminder leaves when an assignment expires within this time; one announced by a digest
# already within it gets none (the digest gave the deadline), nor does one not announced yet
# (its digest will).
REMINDER_WINDOW = dt.timedelta(days=7)


@dataclass
class AssignmentClockReport:
    expired: int = 0
    # Answered, withdrawn or expired by someone else between the listing and the lock.
    skipped: int = 0
    reminders: int = 0
    digests: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def assignments_clock(*, now: dt.datetime) -> AssignmentClockReport:
    """Expire what is due, then send the reminders and the digests due at `now` (reminders
    first: an assignment announced by this run's digest is not reminded by it)."""
    report = AssignmentClockReport()
    due = list(Assignment.objects.due_to_expire(now).order_by("pk").values_list("pk", flat=True))
    for pk in due:
        try:
            assignment_expire(assignment=Assignment(pk=pk), now=now)
        except DomainError:
            report.skipped += 1
        else:
            report.expired += 1
    report.reminders = _per_organisation(
        lambda: Assignment.objects.due_to_remind(now).filter(
            announced_at__lt=F("expires_at") - REMINDER_WINDOW
        ),
        mark="reminded_at",
        template="reminder",
        now=now,
    )
    report.digests = _per_organisation(
        lambda: Assignment.objects.due_to_announce(),
        mark="announced_at",
        template="digest",
        now=now,
        not_since=now - DIGEST_INTERVAL,
    )
    return report


def _per_organisation(
    rows: Callable[[], AssignmentQuerySet],
    *,
    mark: str,
    template: str,
    now: dt.datetime,
    not_since: dt.datetime | None = None,
) -> int:
    """One e-mail per organisation naming its assignments in `rows()`, each marked `mark`=now
    under its row lock. With `not_since`: skipped for an organisation whose last such e-mail
    was sent after that instant (its new assignments wait for the next one). Audited on the
    organisation (`assignment.<template>_sent`: the assignments named, the e-mails queued)."""
    sent = 0
    organisation_ids = sorted(set(rows().values_list("organisation_id", flat=True)))
    for organisation_id in organisation_ids:
        with transaction.atomic():
            # Locked in id order (and only assignment rows, as the services lock theirs first):
            # a concurrent run waits here, then re-reads the rows and finds them marked.
            locked = list(
                rows()
                .filter(organisation_id=organisation_id)
                .select_for_update(of=("self",))
                .select_related("ticket__wallet__pupil", "activity")
                .order_by("expires_at", "pk")
            )
            if not locked:
                continue
            if not_since is not None:
                last = Assignment.objects.filter(organisation_id=organisation_id).aggregate(
                    last=Max(mark)
                )["last"]
                if last is not None and last > not_since:
                    continue
            Assignment.objects.filter(pk__in=[row.pk for row in locked]).update(**{mark: now})
            organisation = Organisation.objects.get(pk=organisation_id)
            queued = organisation_list_notify(
                organisation,
                locked,
                template=template,
                about=f"assignment-{template}:{organisation_id}:{now.isoformat()}",
            )
            record(
                actor=None,
                action=f"assignment.{template}_sent",
                obj=organisation,
                after={"assignments": [row.pk for row in locked], "emails": queued},
            )
            sent += queued
    return sent
