"""`/sante/`: a load balancer's health check — should this node receive requests?

It answers 503 when this node cannot reach its database (every page needs it: a node that
cannot must leave the rotation), 200 "ok" otherwise. Redis is deliberately not checked: it is
one server shared by every node, so its failure would take every node out at once and turn a
degraded site (everything works but the password-reset request, refused in French:
passplus/core/shared_cache.py) into no site at all. Monitoring alerts on `/sante/detail/`, which
reports Redis and the cache in error (docs/operations.md, "What takes a node out").
Also the baseline of the HTTP benchmarks: the cheapest request the stack can serve.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


@never_cache
def health(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.warning("Health check: the database does not answer (%s)", type(error).__name__)
        return HttpResponse(
            "indisponible : la base de données ne répond pas",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse("ok", content_type="text/plain")
