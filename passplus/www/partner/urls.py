from django.urls import path

from passplus.www.partner import views

app_name = "partner"

urlpatterns = [
    path("", views.home, name="home"),
]
