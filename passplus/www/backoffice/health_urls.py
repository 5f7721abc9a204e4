"""`/sante/detail/` and its JSON form: back-office pages (staff, or a monitoring token) kept
beside the load balancer's `/sante/` rather than under `/gestion/`, where monitors look."""

from django.urls import path

from passplus.www.backoffice import health

app_name = "health"

urlpatterns = [
    path("detail/", health.health_detail, name="detail"),
    path("detail.json", health.health_detail_json, name="detail_json"),
]
