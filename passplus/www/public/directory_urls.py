"""The public directory of partner organisations (included by passplus.www.public.urls,
namespace `public`)."""

from django.urls import path

from passplus.www.public import views

urlpatterns = [
    path("annuaire/", views.directory, name="directory"),
]
