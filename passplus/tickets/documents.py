"""The printable ticket: one A4 page the family prints and the pupil hands to a partner.

It shows what the partner needs to enter the ticket (the number, in large grouped digits and
as a QR code) and what the family needs to check it (pupil, collège, amount, domain, validity).
The pupil's birth date is never printed: it is the second factor the partner types in, so a
lost or photographed ticket cannot be entered by someone who does not know the child.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import segno
from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from passplus.core.money import format_cents
from passplus.tickets.models import Ticket
from passplus.tickets.numbers import format_ticket_number

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
QR_SIZE = 48 * mm
QR_SCALE = 10  # pixels per module in the PNG: sharp when printed, whatever the viewer
QR_BORDER = 4  # the quiet zone the QR specification asks for, in modules
PARTNER_INSTRUCTIONS = (
    "Organisme affilié : saisissez ce numéro et la date de naissance de l'enfant dans votre "
    "espace affilié, vérifiez les informations affichées, puis confirmez."
)
FAMILY_INSTRUCTIONS = (
    "Remettez ce ticket à l'organisme de votre choix. Gardez la date de naissance de votre "
    "enfant : l'organisme vous la demandera."
)


def ticket_qr(number: str) -> segno.QRCode:
    """The QR code printed on the ticket: exactly the 12 digits, nothing else (no spaces, no
    URL), so that any scanner types into the entry form what a person would type."""
    return segno.make_qr(number, mode="numeric")


def ticket_qr_svg(number: str) -> str:
    """The ticket's QR code as inline SVG for its HTML page: an image whose text alternative
    is the number it encodes (RGAA 1.1)."""
    out = BytesIO()
    # No width or height, a viewBox instead: the page's CSS sizes it (a module is at least
    # 6 CSS px on a 360 px phone, enough for a camera reading another phone's screen).
    ticket_qr(number).save(
        out, kind="svg", border=QR_BORDER, xmldecl=False, svgns=True, omitsize=True
    )
    label = f"QR code du numéro {format_ticket_number(number)}"
    return out.getvalue().decode().replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def ticket_qr_png(number: str) -> bytes:
    buffer = BytesIO()
    ticket_qr(number).save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return buffer.getvalue()


def ticket_pdf_filename(ticket: Ticket) -> str:
    return f"ticket-{ticket.number}.pdf"


def render_ticket_pdf(ticket: Ticket) -> bytes:
    """The ticket as a one-page PDF (reportlab). Checking that it may be printed (an available
    ticket of the right family) is the caller's job."""
    wallet = ticket.wallet
    pupil, year = wallet.pupil, wallet.school_year
    scheme = settings.PASSPLUS_SCHEME_NAME
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{scheme} — ticket {format_ticket_number(ticket.number)}")
    canvas.setAuthor(scheme)
    canvas.setSubject(f"Ticket de {pupil.first_name} {pupil.last_name}")

    left, right = MARGIN, PAGE_WIDTH - MARGIN
    top = PAGE_HEIGHT - MARGIN
    box_bottom = PAGE_HEIGHT / 2 + 6 * mm
    canvas.setStrokeColor(colors.HexColor("#0b4f8a"))
    canvas.setLineWidth(1.5)
    canvas.roundRect(left, box_bottom, right - left, top - box_bottom, 4 * mm)

    x, y = left + 8 * mm, top - 14 * mm
    canvas.setFillColor(colors.HexColor("#0b4f8a"))
    _fit(canvas, scheme, x, y, "Helvetica-Bold", 20, right - x - QR_SIZE - 12 * mm)
    canvas.setFillColor(colors.black)
    y -= 7 * mm
    _fit(
        canvas,
        f"Ticket activité sport et culture — année scolaire {year.label}",
        x,
        y,
        "Helvetica",
        11,
        right - x - QR_SIZE - 12 * mm,
    )

    y -= 17 * mm
    canvas.setFont("Helvetica", 10)
    canvas.drawString(x, y + 9 * mm, "Numéro du ticket")
    canvas.setFont("Courier-Bold", 30)
    canvas.drawString(x, y, format_ticket_number(ticket.number))

    qr_x, qr_y = right - 8 * mm - QR_SIZE, top - 8 * mm - QR_SIZE
    canvas.drawImage(
        ImageReader(BytesIO(ticket_qr_png(ticket.number))), qr_x, qr_y, QR_SIZE, QR_SIZE
    )

    rows = [
        ("Collégien", f"{pupil.first_name} {pupil.last_name}"),
        ("Collège", pupil.college),
        ("Montant", _pdf_amount(ticket.amount_cents)),
        ("Domaine", wallet.get_domain_display()),
        ("Valable", f"du {_date(year.starts_on)} au {_date(year.redemption_deadline)}"),
    ]
    y = min(y - 14 * mm, qr_y - 8 * mm)  # below the QR code: a long name may use the width
    label_width = 30 * mm
    for label, value in rows:
        canvas.setFont("Helvetica", 11)
        canvas.drawString(x, y, label)
        _fit(
            canvas,
            value,
            x + label_width,
            y,
            "Helvetica-Bold",
            13,
            right - x - label_width - 8 * mm,
        )
        y -= 8 * mm

    y -= 2 * mm
    canvas.setFont("Helvetica", 10)
    for line in _wrap(PARTNER_INSTRUCTIONS, "Helvetica", 10, right - x - 8 * mm):
        canvas.drawString(x, y, line)
        y -= 5 * mm

    y = box_bottom - 10 * mm
    canvas.setFont("Helvetica", 9.5)
    canvas.setFillColor(colors.HexColor("#4a4a4a"))
    for line in _wrap(FAMILY_INSTRUCTIONS, "Helvetica", 9.5, right - left):
        canvas.drawString(left, y, line)
        y -= 4.5 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _date(value: dt.date) -> str:
    return f"{value:%d/%m/%Y}"


def _pdf_amount(cents: int) -> str:
    # The standard fonts are WinAnsi: the narrow no-break space of the thousands is not in it.
    return format_cents(cents).replace("\u202f", "\u00a0")


def _fit(
    canvas: Canvas, text: str, x: float, y: float, font: str, size: float, width: float
) -> None:
    """Draw `text` on one line, shrinking the font (down to 6 pt) for a long name."""
    while size > 6 and stringWidth(text, font, size) > width:
        size -= 0.5
    canvas.setFont(font, size)
    canvas.drawString(x, y, text)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and stringWidth(candidate, font, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines
