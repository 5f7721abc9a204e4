"""`/sante/`: a load balancer's health check (the process answers and reaches its database).
Also the baseline of the HTTP benchmarks: the cheapest request the stack can serve."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def health(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
