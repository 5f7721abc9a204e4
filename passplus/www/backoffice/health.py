"""`/sante/detail/` and `/sante/detail.json`: the detailed health report (passplus.health), for
département staff (a back-office page) and monitoring tools (a token).

Who may read it: a caller sending `Authorization: Bearer <PASSPLUS_HEALTH_TOKEN>` (compared in
constant time; no token configured means no token access), or a signed-in staff member
(gestionnaire, finance, admin) with the second factor, as on every back-office page. A wrong
token is refused with 403 whoever is signed in: a monitor must learn its token is wrong. Without
a token, the page sends anonymous visitors to the login page like the rest of the back office,
and the JSON form answers 403 (a monitoring tool cannot log in). `/sante/` stays the load
balancer's cheap check (passplus/www/public/health.py).

Both forms answer 503 when a check is in error, 200 otherwise.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from passplus.accounts.access import staff_required
from passplus.health.report import HealthReport, health_report

BEARER = "Bearer "


def _presented_token(request: HttpRequest) -> str | None:
    """The bearer token of the request, or None when it sends none."""
    header = request.headers.get("Authorization", "")
    if not header.startswith(BEARER):
        return None
    return header.removeprefix(BEARER).strip()


def _token_is_valid(token: str) -> bool:
    expected = settings.PASSPLUS_HEALTH_TOKEN
    return bool(expected) and hmac.compare_digest(token.encode(), expected.encode())


def _page(request: HttpRequest) -> HttpResponse:
    report = health_report()
    return render(
        request,
        "backoffice/health.html",
        # A monitor with a token is nobody: no back-office menu for it.
        {"report": report, "menu": getattr(request.user, "is_departement_staff", False)},
        status=report.http_status,
    )


def _json(request: HttpRequest) -> HttpResponse:
    report: HealthReport = health_report()
    return JsonResponse(report.as_json(), status=report.http_status)


_staff_page = staff_required(_page)
_staff_json = staff_required(_json)


@never_cache
def health_detail(request: HttpRequest) -> HttpResponseBase:
    token = _presented_token(request)
    if token is not None:
        if not _token_is_valid(token):
            raise PermissionDenied("Jeton de supervision refusé.")
        return _page(request)
    return _staff_page(request)


@never_cache
def health_detail_json(request: HttpRequest) -> HttpResponseBase:
    token = _presented_token(request)
    if token is not None:
        if not _token_is_valid(token):
            raise PermissionDenied("Jeton de supervision refusé.")
        return _json(request)
    if not request.user.is_authenticated:
        raise PermissionDenied("Jeton de supervision absent.")
    return _staff_json(request)
