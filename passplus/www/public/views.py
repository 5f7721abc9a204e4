from django.http import HttpRequest, HttpResponse

from passplus.organisations.documents import blank_identification_form_pdf


def identification_form_pdf(request: HttpRequest) -> HttpResponse:
    """The blank identification form, to print and hand to the commune's correspondent."""
    response = HttpResponse(blank_identification_form_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="fiche-identification-passplus.pdf"'
    return response
