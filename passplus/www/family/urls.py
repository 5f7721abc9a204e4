from django.urls import path

from passplus.www.family import views

app_name = "family"

urlpatterns = [
    path("", views.home, name="home"),
]
