"""Refuse a request whose announced body (Content-Length) is larger than the app accepts, with
413 and a short French page, before anything reads the body (docs/deployment.md, "Request
size"). Form validation still checks each file's own limit (RIB 5 MB, pupil import 50 MB, the
switch-over's file and ZIP); this stops a 100 MB body from being received in full first.

A request without a Content-Length (chunked) is read by Django as an empty body; the reverse
proxy's `client_max_body_size` bounds those before they reach the app.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.urls import reverse


def megabytes(size: int) -> str:
    """'6 Mo', '51 Mo', '1,5 Mo': a size as French users read it (MiB, as the limits are)."""
    value = size / 2**20
    return f"{value:.0f} Mo" if value == int(value) else f"{value:.1f} Mo".replace(".", ",")


class RequestSizeLimitMiddleware:
    """First in MIDDLEWARE after SecurityMiddleware: nothing before it reads the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    @cached_property
    def larger_limits(self) -> dict[str, Callable[[], int]]:
        """The pages whose form carries a file larger than the default limit allows, on their
        exact path, each with its own limit (read from the settings at each request)."""
        return {
            reverse("backoffice:pupil_import"): lambda: int(
                settings.PASSPLUS_MAX_IMPORT_REQUEST_BYTES
            ),
            reverse("backoffice:organisation_import"): lambda: int(
                settings.PASSPLUS_MAX_ORGANISATION_IMPORT_REQUEST_BYTES
            ),
        }

    def limit_for(self, path: str) -> int:
        if (limit := self.larger_limits.get(path)) is not None:
            return limit()
        return int(settings.PASSPLUS_MAX_REQUEST_BYTES)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads an invalid length as an empty body, too
        limit = self.limit_for(request.path)
        if length > limit:
            return HttpResponse(
                render_to_string("413.html", {"limit": megabytes(limit)}),
                status=413,
                content_type="text/html; charset=utf-8",
            )
        return self.get_response(request)
