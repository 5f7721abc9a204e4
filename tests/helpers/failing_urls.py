"""A URL configuration whose one view fails, for the server error page's test."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("panne simulée")


urlpatterns = [path("panne/", broken)]
handler500 = "passplus.www.public.error_pages.server_error"
