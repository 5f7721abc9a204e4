"""Back office search and audit log (included by passplus.www.backoffice.urls, namespace
`backoffice`)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
