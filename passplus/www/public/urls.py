from django.urls import path

from passplus.www.public import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("annuaire/", views.directory, name="directory"),
    path("aide/", views.help_page, name="help"),
]
