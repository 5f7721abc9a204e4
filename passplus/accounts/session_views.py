"""The session warning's endpoint (issue 32, RGAA 13.1): `GET /compte/session/` says when the
signed-in session ends (without moving its idle clock), `POST` extends it. Both answer JSON
for static/js/session-warning.js; the times are also said in French, as the page shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.shortcuts import resolve_url
from django.views.decorators.http import require_http_methods

from passplus.accounts.sessions import SessionClock, return_path, session_clock, session_extend

NOT_SIGNED_IN = "Vous n'êtes pas connecté : reconnectez-vous."


def moment_fr(seconds: int, now: int) -> str:
    """« à 14:32 » on the day of `now`, « le 13/03/2026 à 14:32 » on another (local time)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    moment = datetime.fromtimestamp(seconds, tz=zone)
    if moment.date() == datetime.fromtimestamp(now, tz=zone).date():
        return f"à {moment:%H:%M}"
    return f"le {moment:%d/%m/%Y} à {moment:%H:%M}"


def clock_payload(clock: SessionClock) -> dict[str, Any]:
    """What the page and the endpoint tell the script: epoch seconds, and the same in words."""
    return {
        "now": clock.now,
        "ends_at": clock.ends_at,
        "ends_text": moment_fr(clock.ends_at, clock.now),
        "absolute_at": clock.absolute_at,
        "absolute_text": moment_fr(clock.absolute_at, clock.now),
        "can_extend": clock.can_extend,
    }


@require_http_methods(["GET", "POST"])
def session_view(request: HttpRequest) -> JsonResponse:
    """The deadlines (GET) or the session extended (POST, with the page's CSRF token). An
    expired session never reaches this view: the session middleware answers 401 itself."""
    clock = session_extend(request) if request.method == "POST" else session_clock(request)
    if clock is None:
        login_url = resolve_url(settings.LOGIN_URL)
        target = return_path(request)
        if target:
            login_url = f"{login_url}?{urlencode({'next': target})}"
        return JsonResponse({"error": NOT_SIGNED_IN, "login_url": login_url}, status=401)
    response = JsonResponse(clock_payload(clock))
    response["Cache-Control"] = "no-store"
    return response
