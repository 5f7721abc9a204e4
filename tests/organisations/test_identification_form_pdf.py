"""The blank identification form (passplus.organisations.documents), served on the help pages."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader

from passplus.organisations.documents import blank_identification_form_pdf
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db


def page_contents(pdf: bytes) -> bytes:
    """The decompressed drawing instructions of the (single) page."""
    reader = PdfFileReader(BytesIO(pdf))
    (page,) = reader.root["/Pages"]["/Kids"]
    return page.get_object()["/Contents"].get_object().data


def test_public_url_serves_the_blank_form_as_a_pdf_attachment(client: Client) -> None:
    response = client.get(reverse("public:identification_form_pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="fiche-identification-passplus.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    assert b"(Fiche d'identification) Tj" in page_contents(response.content)


def test_url_is_under_the_help_pages() -> None:
    assert reverse("public:identification_form_pdf") == "/aide/fiche-identification.pdf"


def test_form_has_every_field_to_fill_in() -> None:
    contents = page_contents(blank_identification_form_pdf())

    for label in [
        b"Raison sociale",
        b"Sigle",
        b"Forme juridique",
        b"Association loi 1901",
        # WinAnsi \311 is É.
        b"\\311tablissement public ou structure municipale",
        b"Entreprise",
        b"Autre",
        b"SIRET \\(14 chiffres\\)",  # parentheses are escaped in PDF strings
        b"Num\\351ro RNA",
        b"Date de cr\\351ation",
        b"Commune de l'activit\\351",
        b"Sport",
        b"Culture",
        b"Description des activit\\351s",
        b"Personne \\340 contacter",
        b"E-mail",
        b"T\\351l\\351phone",
        b"correspondant Pass+ de votre commune",
    ]:
        assert label in contents, label


def test_help_page_links_to_the_form(client: Client) -> None:
    soup = parse_html(client.get(reverse("public:help")))

    link = soup.find("a", href=reverse("public:identification_form_pdf"))
    assert link is not None
    assert re.fullmatch(
        r"Télécharger la fiche d'identification \(PDF, \d+ Ko\)", link.get_text(strip=True)
    )
