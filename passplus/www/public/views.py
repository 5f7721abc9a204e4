from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from passplus.organisations.documents import blank_identification_form_pdf
from passplus.organisations.models import Organisation
from passplus.territory.models import Commune


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/home.html",
        {
            "partner_count": Organisation.objects.listed().count(),
            "commune_count": Commune.objects.count(),
        },
    )


def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "public/help.html")


def identification_form_pdf(request: HttpRequest) -> HttpResponse:
    """The blank identification form, to print and hand to the commune's correspondent."""
    response = HttpResponse(blank_identification_form_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="fiche-identification-passplus.pdf"'
    return response
