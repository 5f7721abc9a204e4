"""Login lockouts (django-axes): which account a failure counts against, which département
staff accounts are blocked right now, and the audited unlock of one of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.http import HttpRequest
from django.utils import timezone

from passplus.accounts.models import STAFF_ROLES, Role, User
from passplus.audit.models import record
from passplus.core.errors import DomainError

UNLOCK_ACTION = "account.unlock"


def normalise_login(value: object) -> str | None:
    """The account a typed login designates: e-mails are stored lower-case, so 'A@x.fr ' and
    'a@x.fr' are the same account and must share one failure count."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()


def typed_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the e-mail the login form posted (its field is `username`)."""
    if credentials:
        return normalise_login(credentials.get(settings.AXES_USERNAME_FORM_FIELD))
    data = getattr(request, "data", request.POST)
    return normalise_login(data.get(settings.AXES_USERNAME_FORM_FIELD))


@dataclass(frozen=True)
class StaffLockout:
    user: User
    failures: int
    addresses: int
    last_failure: datetime

    @property
    def blocked_until(self) -> datetime:
        return self.last_failure + settings.AXES_COOLOFF_TIME


def _current_failures(emails: Any) -> Any:
    """Failures still counted by axes (newer than the cool-off), grouped by account."""
    threshold = timezone.now() - settings.AXES_COOLOFF_TIME
    return (
        AccessAttempt.objects.filter(username__in=emails, attempt_time__gte=threshold)
        .order_by()
        .values("username")
        .annotate(
            failures=Sum("failures_since_start"),
            addresses=Count("ip_address", distinct=True),
            last_failure=Max("attempt_time"),
        )
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("username")
    )


def locked_staff_accounts() -> list[StaffLockout]:
    """Département staff accounts that cannot log in right now because of failed passwords."""
    staff = User.objects.filter(role__in=STAFF_ROLES, is_active=True)
    rows = {row["username"]: row for row in _current_failures(staff.values("email"))}
    if not rows:
        return []
    return [
        StaffLockout(
            user=user,
            failures=rows[user.email]["failures"],
            addresses=rows[user.email]["addresses"],
            last_failure=rows[user.email]["last_failure"],
        )
        for user in staff.filter(email__in=list(rows)).order_by("email")
    ]


def staff_account_unlock(*, user: User, actor: User) -> int:
    """Forget the failed passwords of a blocked staff account, so that it can log in at once.

    Only an `admin`, never on their own account. The account's failures are forgotten wherever
    they came from (so that its owner, who may have typed them, can log in from the same
    desk); failures on other accounts still count against their addresses, so an address that
    guessed on several accounts stays blocked. Returns the number of failures forgotten."""
    if not (actor.is_active and actor.role == Role.ADMIN):
        raise DomainError("Seul un administrateur peut débloquer un compte du département.")
    if actor.pk == user.pk:
        raise DomainError("Vous ne pouvez pas débloquer votre propre compte.")
    with transaction.atomic():
        current = _current_failures([user.email]).first()
        if user.role not in STAFF_ROLES or current is None:
            raise DomainError("Ce compte n'est pas bloqué.")
        AccessAttempt.objects.filter(username=user.email).delete()
        record(actor=actor, action=UNLOCK_ACTION, obj=user, after={"failures": current["failures"]})
    return int(current["failures"])
