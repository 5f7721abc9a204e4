from django.urls import path

from passplus.www.backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("", views.home, name="home"),
]
