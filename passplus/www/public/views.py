from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from passplus.organisations.documents import INSTRUCTIONS, blank_identification_form_pdf
from passplus.organisations.enums import LegalForm


def identification_form_pdf(request: HttpRequest) -> HttpResponse:
    """The blank identification form, to print and hand to the commune's correspondent."""
    response = HttpResponse(blank_identification_form_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="fiche-identification-passplus.pdf"'
    return response


def identification_form_page(request: HttpRequest) -> HttpResponse:
    """The identification form as an HTML page (RGAA 13.3, issue 22 §11): every label and
    instruction of the printable PDF, which reportlab cannot tag for screen readers."""
    return render(
        request,
        "public/identification_form.html",
        {
            "instructions": INSTRUCTIONS,
            "legal_forms": [str(label) for label in LegalForm.labels],
        },
    )
