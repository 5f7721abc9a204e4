from django.urls import path

from passplus.www.family import views

app_name = "family"

urlpatterns = [
    path("", views.home, name="home"),
    path("enfants/<int:pupil_pk>/nouveau-ticket/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", views.ticket_page, name="ticket"),
    path("tickets/<int:pk>/pdf/", views.ticket_pdf, name="ticket_pdf"),
    path("tickets/<int:pk>/annuler/", views.ticket_cancel, name="ticket_cancel"),
]
