"""Back office dashboards (included by passplus.www.backoffice.urls, namespace `backoffice`)."""

from django.urls import path

from passplus.www.backoffice import views

urlpatterns = [
    path("", views.home, name="home"),
    path("tableaux/<slug:slug>.csv", views.dashboard_csv, name="dashboard_csv"),
]
