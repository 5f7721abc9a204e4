"""Session lifetimes: an idle time and an absolute maximum per audience (issue 15 §4).

Staff (gestionnaire, finance, admin) 30 idle minutes and 12 hours in all; partners and
correspondents 2 idle hours; families 1 idle day; others than staff 14 days in all (settings
`PASSPLUS_SESSION_*`). The session stores its login time and the last time it was seen, in
epoch seconds. The last-seen time is written only when more than a minute has passed since the
stored one, so most page views do not save the session; an expiry is therefore measured up to a
minute early. The cookie and the stored session expire when the rule does (`set_expiry`).

Before the idle end, the page warns and offers to extend (issue 32, RGAA 13.1): `session_clock`
gives a signed-in session's deadlines, `session_extend` restarts its idle clock, never past the
absolute maximum (`passplus/accounts/session_views.py`, `static/js/session-warning.js`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from passplus.accounts.models import Role, User

LOGIN_AT_KEY = "passplus_login_at"
SEEN_AT_KEY = "passplus_seen_at"
# The last-seen time is rewritten (and the session saved) at most this often.
SEEN_REFRESH_SECONDS = 60


def current_time() -> float:
    """Epoch seconds now (tests replace it to move time)."""
    return time.time()


@dataclass(frozen=True)
class SessionRule:
    idle_minutes: int
    max_hours: int

    @property
    def idle_seconds(self) -> int:
        return self.idle_minutes * 60

    @property
    def max_seconds(self) -> int:
        return self.max_hours * 3600


def rule_for(role: str) -> SessionRule:
    """The rule of a role: staff (STAFF_ROLES), partners and correspondents, families. An
    unknown role gets the strictest, the staff's."""
    if role in (Role.ORGANISATION, Role.CORRESPONDENT):
        idle = settings.PASSPLUS_SESSION_IDLE_MINUTES_PARTNER
    elif role == Role.FAMILY:
        idle = settings.PASSPLUS_SESSION_IDLE_MINUTES_FAMILY
    else:
        return SessionRule(
            settings.PASSPLUS_SESSION_IDLE_MINUTES_STAFF, settings.PASSPLUS_SESSION_MAX_HOURS_STAFF
        )
    return SessionRule(idle, settings.PASSPLUS_SESSION_MAX_HOURS_OTHERS)


def duration_fr(minutes: int) -> str:
    """'30 minutes', '2 heures', '1 jour', '1 heure 30 minutes': how the UI says a duration."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [
        f"{count} {singular if count == 1 else singular + 's'}"
        for count, singular in ((days, "jour"), (hours, "heure"), (mins, "minute"))
        if count
    ]
    return " ".join(parts) or "0 minute"


def session_durations() -> dict[str, str]:
    """The rules in words, for the help and privacy pages."""
    staff, partner = rule_for(Role.GESTIONNAIRE), rule_for(Role.CORRESPONDENT)
    family = rule_for(Role.FAMILY)
    return {
        "staff_idle": duration_fr(staff.idle_minutes),
        "staff_max": duration_fr(staff.max_hours * 60),
        "partner_idle": duration_fr(partner.idle_minutes),
        "family_idle": duration_fr(family.idle_minutes),
        "others_max": duration_fr(family.max_hours * 60),
    }


def _stamp(session: SessionBase, rule: SessionRule, login_at: int, seen_at: int) -> None:
    """Store both times and make the cookie and the stored session expire with the rule."""
    session[LOGIN_AT_KEY] = login_at
    session[SEEN_AT_KEY] = seen_at
    deadline = min(seen_at + rule.idle_seconds, login_at + rule.max_seconds)
    session.set_expiry(datetime.fromtimestamp(deadline, tz=UTC))


def start_session_clocks(
    sender: type[User], request: HttpRequest, user: User, **_kwargs: Any
) -> None:
    """`user_logged_in` receiver: the login starts both clocks (password, invitation, tests)."""
    now = int(current_time())
    _stamp(request.session, rule_for(getattr(user, "role", "")), now, now)


def expiry_message(rule: SessionRule, login_at: int, seen_at: int, now: int) -> str | None:
    """Why the session has ended (in French), or None while it is alive."""
    if now - login_at >= rule.max_seconds:
        return (
            f"Votre session a expiré : elle dure {duration_fr(rule.max_hours * 60)} au plus. "
            "Reconnectez-vous."
        )
    if now - seen_at >= rule.idle_seconds:
        return (
            f"Votre session a expiré après {duration_fr(rule.idle_minutes)} d'inactivité : "
            "reconnectez-vous."
        )
    return None


def _stored_time(session: SessionBase, key: str) -> int | None:
    value = session.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class SessionClock:
    """A signed-in session's deadlines, in epoch seconds: it ends at `ends_at` unless a request
    comes first (the idle end, or the absolute one when that is earlier), and at `absolute_at`
    whatever happens."""

    now: int
    ends_at: int
    absolute_at: int

    @property
    def can_extend(self) -> bool:
        """Whether « Rester connecté » would gain at least the warning's time: not when the
        session's end is (or nearly is) its absolute maximum."""
        return self.absolute_at - self.ends_at >= warning_seconds()


def warning_seconds() -> int:
    """How long before the end the page warns (PASSPLUS_SESSION_WARNING_MINUTES, >= 2)."""
    minutes: int = settings.PASSPLUS_SESSION_WARNING_MINUTES
    return minutes * 60


def session_clock(request: HttpRequest) -> SessionClock | None:
    """The deadlines of the request's signed-in session as the middleware left them; None for
    an anonymous one (or one whose clocks have not started)."""
    user = request.user
    if not user.is_authenticated:
        return None
    login_at = _stored_time(request.session, LOGIN_AT_KEY)
    seen_at = _stored_time(request.session, SEEN_AT_KEY)
    if login_at is None or seen_at is None:
        return None
    rule = rule_for(getattr(user, "role", ""))
    absolute_at = login_at + rule.max_seconds
    return SessionClock(
        now=int(current_time()),
        ends_at=min(seen_at + rule.idle_seconds, absolute_at),
        absolute_at=absolute_at,
    )


def session_extend(request: HttpRequest) -> SessionClock | None:
    """Restart the idle clock of the request's signed-in session now (saved even within the
    minute the middleware waits: the person asked for it); the absolute maximum stays."""
    user = request.user
    login_at = _stored_time(request.session, LOGIN_AT_KEY)
    if not user.is_authenticated or login_at is None:
        return None
    _stamp(request.session, rule_for(getattr(user, "role", "")), login_at, int(current_time()))
    return session_clock(request)


class SessionTimeoutMiddleware:
    """Ends signed-in sessions past their rule; refreshes the idle clock once a minute.

    After AuthenticationMiddleware, OTPMiddleware and MessageMiddleware (it reads the user and
    leaves a message). Requests without a session cookie are not looked at.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        rule = rule_for(getattr(user, "role", ""))
        session = request.session
        now = int(current_time())
        login_at, seen_at = _stored_time(session, LOGIN_AT_KEY), _stored_time(session, SEEN_AT_KEY)
        if login_at is None or seen_at is None:
            # A session made without the login signal (before this rule existed, or by hand):
            # its clocks start now.
            _stamp(session, rule, now, now)
            return self.get_response(request)
        message = expiry_message(rule, login_at, seen_at, now)
        if message is not None:
            return self._expired(request, message)
        if now - seen_at > SEEN_REFRESH_SECONDS and not _reads_clock_only(request):
            _stamp(session, rule, login_at, now)
        return self.get_response(request)

    def _expired(self, request: HttpRequest, message: str) -> HttpResponseBase:
        logout(request)
        messages.warning(request, message)
        login_url = resolve_url(settings.LOGIN_URL)
        if request.path == login_url:
            return self.get_response(request)  # the login page itself: show it, with the reason
        target = return_path(request)
        url = f"{login_url}?{urlencode({'next': target})}" if target else login_url
        if wants_json(request):
            # The session warning's script: it says so in the page rather than load a login page.
            return JsonResponse({"error": message, "login_url": url}, status=401)
        if request.headers.get("HX-Request") == "true":
            # An htmx fragment must not become a login page: htmx loads the URL as a whole page.
            response = HttpResponse(status=200)
            response["HX-Redirect"] = url
            return response
        return redirect(url)


def wants_json(request: HttpRequest) -> bool:
    """A request sent by a script that reads JSON (`Accept: application/json` first)."""
    return request.headers.get("Accept", "").split(",")[0].strip() == "application/json"


def _reads_clock_only(request: HttpRequest) -> bool:
    """The warning's script reading the deadlines (GET /compte/session/): a look, not activity,
    so it does not move the idle clock (else the warning would keep every session alive)."""
    return request.method == "GET" and request.path == reverse("accounts:session")


def return_path(request: HttpRequest) -> str:
    """Where to go back after logging in again: the page itself for a GET; for a form sent
    (POST...) or a script's request for JSON, the page it was sent from, when it is on this
    site (a POST-only URL would answer 405 to the GET that follows the login)."""
    if request.method in ("GET", "HEAD") and not wants_json(request):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, {request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return ""
