"""Back office search, record pages and audit log (included by passplus.www.backoffice.urls,
namespace `backoffice`)."""

from django.urls import path

from passplus.www.backoffice import audit_log, records, search

urlpatterns = [
    path("recherche/", search.search, name="search"),
    path("journal/", audit_log.audit_log, name="audit_log"),
    path("tickets/<int:pk>/", records.ticket_detail, name="ticket"),
    path("eleves/<int:pk>/", records.pupil_detail, name="pupil"),
    path("familles/<int:pk>/", records.family_detail, name="family"),
]
