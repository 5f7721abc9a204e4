"""Counts every request and times it, by the name of the view that answered (metrics in
`core.metrics`). The first middleware, so the time covers the whole stack; a request refused
before URL resolution (413, a static file) is named "unmatched" or "static"."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from passplus.core.metrics import http_request_observe


def view_label(request: HttpRequest) -> str:
    """The URL pattern's name ("partner:entry"), never the path: one series per view, however
    many tickets, organisations or made-up URLs are requested."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return str(match.view_name)
    if settings.STATIC_URL and request.path.startswith(str(settings.STATIC_URL)):
        return "static"
    return "unmatched"


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase | HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        # A streamed response (a large export) is timed until its first byte is ready.
        http_request_observe(
            view=view_label(request),
            method=request.method or "",
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response
