"""The public directory of partner organisations and its open data (included by
passplus.www.public.urls, namespace `public`)."""

from django.urls import path

from passplus.www.public import directory

urlpatterns = [
    path("annuaire/", directory.directory, name="directory"),
    path("annuaire/<int:pk>/", directory.organisation, name="organisation"),
    path("annuaire/annuaire.csv", directory.directory_csv, name="directory_csv"),
    path("annuaire/annuaire.json", directory.directory_json, name="directory_json"),
]
