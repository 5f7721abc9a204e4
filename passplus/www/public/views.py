from django.core.paginator import Paginator
from django.db.models import Q
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


def directory(request: HttpRequest) -> HttpResponse:
    """The partner directory (the full search comes with the directory issue)."""
    organisations = Organisation.objects.listed().select_related("commune")
    text = request.GET.get("q", "").strip()
    commune_code = request.GET.get("commune", "")
    if text:
        organisations = organisations.filter(
            Q(public_name__icontains=text)
            | Q(legal_name__icontains=text)
            | Q(description__icontains=text)
        )
    if commune_code:
        organisations = organisations.filter(commune__insee_code=commune_code)
    page = Paginator(organisations.order_by("public_name", "legal_name"), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "public/directory.html",
        {
            "page": page,
            "q": text,
            "commune_code": commune_code,
            "communes": Commune.objects.all(),
        },
    )


def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "public/help.html")


def identification_form_pdf(request: HttpRequest) -> HttpResponse:
    """The blank identification form, to print and hand to the commune's correspondent."""
    response = HttpResponse(blank_identification_form_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="fiche-identification-passplus.pdf"'
    return response
