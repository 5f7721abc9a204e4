from django.urls import path

from passplus.www.public import conventions, health, views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("sante/", health.health, name="health"),
    path("annuaire/", views.directory, name="directory"),
    path("aide/", views.help_page, name="help"),
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
]
