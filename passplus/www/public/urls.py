from django.urls import include, path

from passplus.www.public import conventions, health, metrics, security_txt, views

app_name = "public"

urlpatterns = [
    # Home, help/FAQ, rules, legal notices, privacy, accessibility statement.
    path("", include("passplus.www.public.page_urls")),
    # The partner directory and its open data.
    path("", include("passplus.www.public.directory_urls")),
    path("sante/", health.health, name="health"),
    # Where to report a vulnerability (RFC 9116); the legacy address redirects to it.
    path(".well-known/security.txt", security_txt.security_txt, name="security_txt"),
    path("security.txt", security_txt.legacy_security_txt),
    path(
        "aide/fiche-identification/",
        views.identification_form_page,
        name="identification_form",
    ),
    path(
        "aide/fiche-identification.pdf",
        views.identification_form_pdf,
        name="identification_form_pdf",
    ),
    path(
        "aide/convention/<str:label>/",
        conventions.convention_version,
        name="convention_version",
    ),
    # Prometheus metrics, behind a token (docs/operations-metrics.md).
    path("metriques/", metrics.metrics, name="metrics"),
]
