from django.urls import path

from passplus.www.correspondent import views

app_name = "correspondent"

urlpatterns = [
    path("", views.home, name="home"),
    path("fiches/nouvelle/", views.register, name="register"),
    path(
        "organismes/<int:pk>/invitation/renvoyer/",
        views.resend_invitation,
        name="resend_invitation",
    ),
    path(
        "organismes/<int:pk>/invitation/revoquer/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
]
