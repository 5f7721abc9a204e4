"""A URL configuration with a view that fails while holding personal data (the error reports'
tests: `@pytest.mark.urls("tests.helpers.error_views")`)."""

from __future__ import annotations

import datetime as dt
import logging

from django.http import HttpRequest, HttpResponse
from django.urls import path

from passplus.urls import urlpatterns as site_urlpatterns

logger = logging.getLogger("passplus.tests")

EMAIL = "jeanne.martin@example.fr"
IBAN = "FR7630006000011234567890189"
BIRTH = dt.date(2013, 4, 12)
CODE = "493817"
TICKET = "123456789012"
PHONE = "+33612345678"


def failing(request: HttpRequest) -> HttpResponse:
    email, iban, birth_date, code = EMAIL, IBAN, BIRTH, CODE
    context = {"email": email, "iban": iban, "birth_date": birth_date, "code": code}
    logger.info("Code %s envoyé au %s pour %s", code, PHONE, email)
    raise ValueError(
        f"Saisie impossible pour {email} (IBAN {iban[:4]} {iban[4:8]} {iban[8:]}), né le "
        f"{birth_date:%d/%m/%Y}, code {code}, ticket {TICKET}, contexte {context}"
    )


urlpatterns = [path("echec/", failing, name="failing"), *site_urlpatterns]
