"""The server error page (handler500): Django's own renders 500.html without any context; ours
gives it the request id, so that the caller can quote it (passplus/core/request_context.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseServerError
from django.template import loader


def server_error(request: HttpRequest) -> HttpResponseServerError:
    page = loader.get_template("500.html").render(
        {"request_id": getattr(request, "request_id", "")}
    )
    return HttpResponseServerError(page)
