"""The name under which a request is counted and timed (metrics in `core.metrics`, observed by
`core.request_log.RequestLogMiddleware`, the first middleware, so the time covers the whole
stack); a request refused before URL resolution (413, a static file) is named "unmatched" or
"static"."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def view_label(request: HttpRequest) -> str:
    """The URL pattern's name ("partner:entry"), never the path: one series per view, however
    many tickets, organisations or made-up URLs are requested."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return str(match.view_name)
    if settings.STATIC_URL and request.path.startswith(str(settings.STATIC_URL)):
        return "static"
    return "unmatched"
