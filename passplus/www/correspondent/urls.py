from django.urls import path

from passplus.www.correspondent import views

app_name = "correspondent"

urlpatterns = [
    path("", views.home, name="home"),
]
