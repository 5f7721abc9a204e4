from django.urls import path

from passplus.www.correspondent import views

app_name = "correspondent"

urlpatterns = [
    path("", views.home, name="home"),
    path("contact-public/", views.public_contact, name="public_contact"),
    path("fiches/nouvelle/", views.register, name="register"),
    path("tableaux/<slug:slug>.csv", views.dashboard_csv, name="dashboard_csv"),
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
