"""One log line per request (logger `passplus.requests`): its id, the user and organisation
ids (never an e-mail), the route (the URL pattern, never the path itself: some paths carry a
single-use token), the status, the duration and the number of SQL queries. The same timing
feeds the request metrics (`core.request_metrics`), so a request is timed once.

In production the line is JSON (settings.LOG_FORMAT, passplus/core/log_format.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse

from passplus.core.metrics import http_request_observe
from passplus.core.request_context import current_request_id, request_id_from
from passplus.core.request_metrics import view_label

logger = logging.getLogger("passplus.requests")


class QueryCounter:
    """A database execute wrapper that counts the queries run through it."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "(aucune route)"
    return f"/{match.route}"


class RequestLogMiddleware:
    """First in MIDDLEWARE: it times and counts everything the request costs, for the log line
    and the metrics."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_request_id.set(request_id)
        counter = QueryCounter()
        started = time.perf_counter()
        try:
            with connections["default"].execute_wrapper(counter):
                response = self.get_response(request)
            # A streamed response (a large export) is timed until its first byte is ready.
            seconds = time.perf_counter() - started
            view = view_label(request)
            http_request_observe(
                view=view, method=request.method or "", status=response.status_code, seconds=seconds
            )
            response["X-Request-ID"] = request_id
            user = getattr(request, "user", None)
            if user is not None and not user.is_authenticated:
                user = None
            route = route_of(request)
            logger.info(
                "%s %s %s",
                request.method,
                route,
                response.status_code,
                extra={
                    "method": request.method,
                    "route": route,
                    "view": view,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                    "sql_count": counter.count,
                    "user_id": getattr(user, "pk", None),
                    "organisation_id": getattr(user, "organisation_id", None),
                },
            )
            return response
        finally:
            current_request_id.reset(token)
