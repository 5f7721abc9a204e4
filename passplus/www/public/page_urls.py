"""Public information pages (included by passplus.www.public.urls, namespace `public`)."""

from django.urls import path

from passplus.www.public import views

urlpatterns = [
    path("", views.home, name="home"),
    path("aide/", views.help_page, name="help"),
]
