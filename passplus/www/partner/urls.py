from django.urls import path

from passplus.www.partner import conventions, invitation, views, wizard

app_name = "partner"

urlpatterns = [
    path("", views.home, name="home"),
    path("invitation/<str:token>/", invitation.accept, name="invitation"),
    path("adhesion/", wizard.start, name="affiliation"),
    path("adhesion/<slug:slug>/", wizard.step, name="affiliation_step"),
    path("conventions/<int:pk>/", conventions.convention, name="convention"),
    path("conventions/<int:pk>/pdf/", conventions.convention_pdf, name="convention_pdf"),
]
