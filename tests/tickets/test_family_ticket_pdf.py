"""The printable ticket (passplus.tickets.documents, family:ticket_pdf): what it shows, that its
QR code is the 12 digits, that the birth date is never printed, and that only an available
ticket is printed."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any
from unittest import mock

import pytest
import segno
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader

from passplus.tickets import documents
from passplus.tickets.models import Ticket
from tests.helpers.factories import SchoolYearFactory, TicketFactory
from tests.helpers.pages import parse_html, text_of
from tests.helpers.pdf import pdf_pages_text

pytestmark = pytest.mark.django_db

NUMBER = "100000000093"  # a valid number (ISO 7064 check digits 93)


@pytest.fixture
def ticket(client: Client) -> Ticket:
    ticket = TicketFactory(
        number=NUMBER,
        amount_cents=2550,
        wallet__pupil__first_name="Léa",
        wallet__pupil__last_name="Martin-Dubois",
        wallet__pupil__college="Collège Évariste Galois",
        wallet__pupil__birth_date=dt.date(2013, 4, 12),
    )
    client.force_login(ticket.wallet.pupil.family.user)
    return ticket


def download(client: Client, ticket: Ticket) -> Any:
    return client.get(reverse("family:ticket_pdf", args=[ticket.pk]))


def test_the_ticket_pdf_shows_what_the_partner_and_the_family_need(
    client: Client, ticket: Ticket, settings: Any
) -> None:
    settings.PASSPLUS_SCHEME_NAME = "Pass+ Essai"
    year = ticket.wallet.school_year

    response = download(client, ticket)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="ticket-{NUMBER}.pdf"'
    assert "no-store" in response["Cache-Control"]
    (page,) = pdf_pages_text(response.content)
    lines = [" ".join(line.split()) for line in page.splitlines()]
    for expected in [
        "Pass+ Essai",
        "1000 0000 0093",
        "Léa Martin-Dubois",
        "Collège Évariste Galois",
        "25,50 €",
        "Sport et culture",
        f"du {year.starts_on:%d/%m/%Y} au {year.redemption_deadline:%d/%m/%Y}",
    ]:
        assert any(expected in line for line in lines), expected
    assert "saisissez ce numéro et la date de naissance de l'enfant dans votre espace" in " ".join(
        lines
    )


def test_the_birth_date_is_never_printed(client: Client, ticket: Ticket) -> None:
    pdf = download(client, ticket).content
    text = " ".join(pdf_pages_text(pdf))

    for shown in ["12/04/2013", "12.04.2013", "2013-04-12", "12/04/13", "12 avril 2013", "2013"]:
        assert shown not in text
        assert shown.encode() not in pdf  # not in the metadata either


def test_the_qr_code_is_the_twelve_digits_and_nothing_else() -> None:
    # No QR decoder is installed: the payload handed to segno is what the code encodes.
    with mock.patch.object(segno, "make_qr", wraps=segno.make_qr) as make_qr:
        documents.ticket_qr_png(NUMBER)

    make_qr.assert_called_once_with(NUMBER, mode="numeric")


def test_the_printed_qr_image_is_segnos_symbol_for_the_number(
    client: Client, ticket: Ticket
) -> None:
    """The image in the PDF, read back module by module, is the symbol segno makes for the 12
    digits (so the file carries the right code, not a placeholder or another ticket's)."""
    reader = PdfFileReader(BytesIO(download(client, ticket).content))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    (image,) = [obj.get_object() for obj in page["/Resources"]["/XObject"].values()]
    width, height = int(image["/Width"]), int(image["/Height"])
    channels = len(image.data) // (width * height)
    expected = segno.make_qr(NUMBER, mode="numeric").matrix
    scale, border = documents.QR_SCALE, documents.QR_BORDER
    assert width == height == (len(expected) + 2 * border) * scale

    def dark(row: int, column: int) -> bool:
        y, x = (border + row) * scale + scale // 2, (border + column) * scale + scale // 2
        return image.data[(y * width + x) * channels] < 128

    printed = [[dark(r, c) for c in range(len(expected))] for r in range(len(expected))]
    assert printed == [[bool(module) for module in row] for row in expected]


@pytest.mark.parametrize("trait", ["used", "void", "expired"])
def test_a_ticket_that_cannot_be_entered_is_not_printed(
    client: Client, ticket: Ticket, trait: str
) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(status=trait)

    response = download(client, ticket)

    assert response.status_code == 410
    assert response["Content-Type"].startswith("text/html")
    assert text_of(parse_html(response), "h1") == "Ce ticket ne peut plus être imprimé"


def test_after_the_entry_deadline_an_available_ticket_is_not_printed(client: Client) -> None:
    today = timezone.localdate()
    year = SchoolYearFactory(
        label="campagne-finie",
        starts_on=today - dt.timedelta(days=300),
        generation_deadline=today - dt.timedelta(days=30),
        redemption_deadline=today - dt.timedelta(days=1),
    )
    ticket = TicketFactory(wallet__school_year=year)
    client.force_login(ticket.wallet.pupil.family.user)

    response = download(client, ticket)

    assert response.status_code == 410
    assert "date limite de saisie" in text_of(parse_html(response), "main")


def test_a_long_name_still_fits_on_one_line() -> None:
    ticket = TicketFactory(
        number=NUMBER, wallet__pupil__last_name="De La Fontaine-Saint-Exupéry " * 3
    )

    (page,) = pdf_pages_text(documents.render_ticket_pdf(ticket))

    assert any("De La Fontaine-Saint-Exupéry De La" in line for line in page.splitlines())
