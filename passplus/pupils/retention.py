"""Retention (RGPD): anonymise the pupils and families of school years closed for longer than
`PASSPLUS_RETENTION_DAYS`, keeping every amount for the accounts.

A school year is past retention once its redemption deadline is more than the retention before
today. A pupil is anonymised when all its wallets are in such years, counted under the oldest of
them; a family when all its pupils are, counted under the newest year of its pupils' wallets. So
each person belongs to exactly one year, and a dry run announces what the real run will do.

Everything is set-based: ids are read once per year, then UPDATE/DELETE statements run by
batches of `BATCH` ids, each batch in its own transaction (a crash keeps the batches done; running
again finishes the work, and running it twice changes nothing the second time).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import import_module

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import models, transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, Lower, TruncYear
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import Invitation, InvitationPurpose, Role, User
from passplus.accounts.tasks import password_reset_send
from passplus.audit.models import AuditEvent, record
from passplus.campaigns.models import SchoolYear
from passplus.notifications.tasks import send_email
from passplus.pupils.models import Family, ImportJob, Pupil, Wallet
from passplus.pupils.tasks import family_welcome_send

BATCH = 5000
ACTION = "retention.anonymised"
PLACEHOLDER_DOMAIN = "anonymise.invalid"  # RFC 2606: .invalid never resolves, never delivers
PUPIL_FIRST_NAME = "Anonyme"
PARENT_NAME = "Famille anonymisée"


@dataclass
class YearReport:
    """What was (or, in a dry run, would be) done for one school year."""

    school_year: str
    redemption_deadline: dt.date
    pupils: int = 0
    families: int = 0
    accounts: int = 0
    import_files: int = 0
    audit_events: int = 0
    sessions: int = 0
    login_records: int = 0
    queued_tasks: int = 0
    # Pupils of the year left untouched: they also have a credit in a year still retained.
    kept_pupils: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if isinstance(v, int)}

    @property
    def changed(self) -> bool:
        return any(v for k, v in self.counts.items() if k != "kept_pupils")


@dataclass
class RetentionReport:
    wet_run: bool
    retention_days: int
    closed_before: dt.date  # years whose redemption deadline is before this date are processed
    years: list[YearReport] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(year.counts[name] for year in self.years)


class RetentionError(ValueError):
    pass


def check_retention_days(value: object) -> int:
    """The retention as a number of days (0 to 36,500), or a French error."""
    try:
        days = int(str(value).strip())
    except ValueError:
        raise RetentionError(
            f"Durée de conservation invalide : « {value} » (nombre entier de jours attendu)."
        ) from None
    if not 0 <= days <= 36500:
        raise RetentionError(
            f"Durée de conservation invalide : {days} jours (entre 0 et 36500 jours attendus)."
        )
    return days


def anonymise_closed_school_years(
    *,
    wet_run: bool = False,
    retention_days: int | None = None,
    today: dt.date | None = None,
) -> RetentionReport:
    """Anonymise (or, by default, only count) the personal data of the school years closed
    for longer than the retention (`PASSPLUS_RETENTION_DAYS` unless given). Wallets, tickets,
    redemptions and payments are kept as they are. One AuditEvent per year actually changed."""
    days = check_retention_days(
        settings.PASSPLUS_RETENTION_DAYS if retention_days is None else retention_days
    )
    limit = (today or timezone.localdate()) - dt.timedelta(days=days)
    report = RetentionReport(wet_run=wet_run, retention_days=days, closed_before=limit)
    closed = list(
        SchoolYear.objects.filter(redemption_deadline__lt=limit).order_by(
            "redemption_deadline", "pk"
        )
    )
    for index, year in enumerate(closed):
        plan = _YearPlan(
            year=year,
            limit=limit,
            older=[y.pk for y in closed[:index]],
            newer=[y.pk for y in closed[index + 1 :]],
        )
        year_report = plan.run(wet_run=wet_run)
        report.years.append(year_report)
        if wet_run and year_report.changed:
            with transaction.atomic():
                record(
                    actor=None,
                    action=ACTION,
                    obj=year,
                    after={**year_report.counts, "retention_days": days},
                )
    return report


def _batches(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _placeholder_email(prefix: str, pk_field: str = "pk") -> Concat:
    """`<prefix>-<id>@anonymise.invalid`, computed by the database (unique, undeliverable)."""
    return Concat(
        Value(f"{prefix}-"),
        Cast(pk_field, CharField()),
        Value(f"@{PLACEHOLDER_DOMAIN}"),
        output_field=CharField(),
    )


def _update(queryset: QuerySet[models.Model], wet_run: bool, **values: object) -> int:
    return queryset.update(**values) if wet_run else queryset.count()


def _delete(queryset: QuerySet[models.Model], wet_run: bool) -> int:
    if not wet_run:
        return queryset.count()
    return queryset.delete()[1].get(queryset.model._meta.label, 0)


@dataclass
class _YearPlan:
    year: SchoolYear
    limit: dt.date
    older: list[int]  # closed years processed before this one
    newer: list[int]  # closed years processed after this one

    # Wallets are always reached through the outer pupil (never "pupil__family"): the
    # (pupil, school year) index then answers each EXISTS in one look-up, on SQLite too.
    def _this_year(self) -> QuerySet[Wallet]:
        return Wallet.objects.filter(pupil=OuterRef("pk"), school_year=self.year)

    def _retained(self) -> QuerySet[Wallet]:
        """Wallets of the outer pupil in a year not yet past retention."""
        return Wallet.objects.filter(
            pupil=OuterRef("pk"), school_year__redemption_deadline__gte=self.limit
        )

    def pupils(self) -> QuerySet[Pupil]:
        """Pupils with a wallet this year, every wallet in a closed year, none in an older one."""
        return Pupil.objects.filter(
            Exists(self._this_year()),
            ~Exists(self._retained()),
            ~Exists(Wallet.objects.filter(pupil=OuterRef("pk"), school_year_id__in=self.older)),
            anonymised_at__isnull=True,
        )

    def kept_pupils(self) -> QuerySet[Pupil]:
        return Pupil.objects.filter(
            Exists(self._this_year()),
            Exists(self._retained()),
            ~Exists(Wallet.objects.filter(pupil=OuterRef("pk"), school_year_id__in=self.older)),
            anonymised_at__isnull=True,
        )

    def families(self) -> QuerySet[Family]:
        """Families whose pupils are all anonymised once this year is done: a pupil with a
        wallet this year, none with a wallet in a later or retained year, none never credited."""
        pupils = Pupil.objects.filter(family=OuterRef("pk"))
        later = Wallet.objects.filter(pupil=OuterRef("pk"), school_year_id__in=self.newer)
        never_credited = ~Exists(Wallet.objects.filter(pupil=OuterRef("pk")))
        return Family.objects.filter(
            Exists(pupils.filter(Exists(self._this_year()))),
            ~Exists(pupils.filter(Exists(self._retained()))),
            ~Exists(pupils.filter(Exists(later))),
            ~Exists(pupils.filter(never_credited, anonymised_at__isnull=True)),
            anonymised_at__isnull=True,
        )

    def run(self, *, wet_run: bool) -> YearReport:
        report = YearReport(
            school_year=self.year.label, redemption_deadline=self.year.redemption_deadline
        )
        report.kept_pupils = self.kept_pupils().count()
        now = timezone.now()
        pupil_ids = list(self.pupils().order_by("pk").values_list("pk", flat=True))
        for batch in _batches(pupil_ids):
            with transaction.atomic():
                self._pupils_batch(batch, report, wet_run, now)
        user_ids: set[int] = set()
        family_ids = list(self.families().order_by("pk").values_list("pk", flat=True))
        for batch in _batches(family_ids):
            with transaction.atomic():
                user_ids |= self._families_batch(batch, report, wet_run, now)
        report.sessions = _drop_sessions(user_ids, wet_run)
        report.import_files = _clear_import_files(self.year, wet_run)
        return report

    def _pupils_batch(
        self, batch: Sequence[int], report: YearReport, wet_run: bool, now: dt.datetime
    ) -> None:
        # The conditions again in the UPDATE: a pupil credited meanwhile stays untouched.
        updated = _update(
            self.pupils().filter(pk__in=batch),
            wet_run,
            first_name=Value(PUPIL_FIRST_NAME),
            last_name=Concat(Value("n°"), Cast("pk", CharField()), output_field=CharField()),
            birth_date=TruncYear("birth_date"),
            anonymised_at=now,
        )
        report.pupils += updated
        report.audit_events += _scrub_audit_about("pupils.pupil", batch, wet_run)

    def _families_batch(
        self, batch: Sequence[int], report: YearReport, wet_run: bool, now: dt.datetime
    ) -> set[int]:
        families = self.families().filter(pk__in=batch)
        if wet_run:  # every pupil must really be anonymised by now
            families = families.exclude(
                Exists(Pupil.objects.filter(family=OuterRef("pk"), anonymised_at__isnull=True))
            )
        rows = list(families.values_list("pk", "email", "user_id", "user__email", "user__role"))
        ids = [pk for pk, *_rest in rows]
        # Only family accounts: a staff or partner account linked by mistake is never disabled.
        user_ids = [user for _pk, _e, user, _ue, role in rows if user and role == Role.FAMILY]
        emails = {email.lower() for _pk, email, *_rest in rows} | {
            user_email.lower() for _p, _e, user, user_email, _r in rows if user in user_ids
        }
        report.families += _update(
            Family.objects.filter(pk__in=ids, anonymised_at__isnull=True),
            wet_run,
            parent_name=Value(PARENT_NAME),
            email=_placeholder_email("famille"),
            anonymised_at=now,
        )
        report.accounts += _update(
            User.objects.filter(pk__in=user_ids),
            wet_run,
            email=_placeholder_email("anonyme"),
            first_name=Value(""),
            last_name=Value(""),
            # Unusable (Django's "!" prefix); it also invalidates every session's auth hash.
            password=Value(UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)),
            is_active=False,
            last_login=None,
        )
        report.audit_events += _scrub_audit_about("pupils.family", ids, wet_run)
        report.audit_events += _scrub_audit_about("accounts.user", user_ids, wet_run)
        report.audit_events += _update(
            AuditEvent.objects.filter(actor_id__in=user_ids),
            wet_run,
            actor_label=_placeholder_email("anonyme", "actor_id"),
            ip=None,
        )
        report.login_records += _delete_login_records(emails, wet_run)
        report.queued_tasks += _delete_tasks(ids, emails, wet_run)
        invitations = Invitation.objects.filter(purpose=InvitationPurpose.FAMILY, email__in=emails)
        _delete(invitations, wet_run)
        return set(user_ids)


def _scrub_audit_about(object_type: str, ids: Sequence[int], wet_run: bool) -> int:
    """Audit events about these objects keep who, what and when; their before/after values and
    reason (which may copy names, e-mails, dates) are emptied."""
    object_ids = [str(pk) for pk in ids]
    events = AuditEvent.objects.filter(object_type=object_type, object_id__in=object_ids)
    return _update(events, wet_run, before={}, after={}, reason="")


def _delete_login_records(emails: set[str], wet_run: bool) -> int:
    """django-axes' records of log-in attempts hold the typed e-mail, the IP and the browser."""
    if not emails:
        return 0
    return sum(
        _delete(model.objects.alias(login=Lower("username")).filter(login__in=emails), wet_run)
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )


def _delete_tasks(family_ids: Sequence[int], emails: set[str], wet_run: bool) -> int:
    """Queued or finished e-mail tasks to these families (e-mails and password-reset requests
    hold the address in their arguments; a welcome to an anonymised family must not be sent)."""

    if not family_ids:
        return 0
    tasks = DBTaskResult.objects.exclude(status=TaskResultStatus.RUNNING)
    return _delete(
        tasks.filter(
            Q(task_path=send_email.module_path, args_kwargs__kwargs__to__0__in=sorted(emails))
            | Q(
                task_path=password_reset_send.module_path,
                args_kwargs__kwargs__email__in=sorted(emails),
            )
            | Q(
                task_path=family_welcome_send.module_path,
                args_kwargs__kwargs__family_id__in=list(family_ids),
            )
        ),
        wet_run,
    )


def _drop_sessions(user_ids: set[int], wet_run: bool) -> int:
    """Delete the live sessions of these accounts. Only database-backed session engines can be
    listed; with others the accounts are logged out anyway (inactive, password changed)."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    get_model = getattr(store_class, "get_model_class", None)
    if not user_ids or get_model is None:
        return 0
    wanted = {str(pk) for pk in user_ids}
    sessions: models.Manager[models.Model] = get_model().objects
    rows = sessions.filter(expire_date__gt=timezone.now()).values_list(
        "session_key", "session_data"
    )
    dropped = 0
    for key, data in rows.iterator(chunk_size=2000):
        if str(store_class().decode(data).get(SESSION_KEY)) in wanted:
            if wet_run:
                store_class(session_key=key).delete()
            dropped += 1
    return dropped


def _clear_import_files(year: SchoolYear, wet_run: bool) -> int:
    """The year's uploaded pupil files (every line: names, e-mails, birth dates) are deleted
    from storage, and their error reports (which quote the lines) emptied. A handful of jobs
    per year: one at a time, the file first, so no row ever points at a deleted file for long
    and a failure leaves the job to be cleaned by the next run."""
    cleared = 0
    for job in ImportJob.objects.filter(school_year=year).order_by("pk"):
        if not job.file.name and not job.errors:
            continue
        cleared += 1
        if wet_run:
            if job.file.name:
                job.file.storage.delete(job.file.name)
            ImportJob.objects.filter(pk=job.pk).update(file="", errors=[])
    return cleared
