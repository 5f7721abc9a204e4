"""The remittance advice ("avis de paiement") sent to an organisation when its transfer is
paid: the run, the date, the amount, and every ticket in it (pupil initials only)."""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from passplus.core.money import format_cents
from passplus.core.pdf_text import pdf_line, pdf_markup
from passplus.payments.calendar import last_day_included
from passplus.payments.models import Payment
from passplus.tickets.numbers import format_ticket_number


def remittance_advice_facts(payment: Payment) -> list[tuple[str, str]]:
    """The advice's facts, in the PDF and on the transfer's page (its HTML version)."""
    paid_on = timezone.localtime(payment.settled_at or timezone.now())
    return [
        ("Organisme", payment.organisation.legal_name),
        (
            "Campagne de remboursement",
            # Partners are told what the run pays, not its cut-off (issue 33 §3).
            f"tickets saisis jusqu'au {last_day_included(payment.run.cut_off):%d/%m/%Y} inclus",
        ),
        ("Date du paiement", f"{paid_on:%d/%m/%Y}"),
        ("Montant", format_cents(payment.amount_cents)),
        ("Nombre de tickets", str(payment.ticket_count)),
        ("Référence du virement", payment.end_to_end_id),
        ("Compte crédité", f"{payment.holder} — {payment.iban[:4]} •••• {payment.iban[-4:]}"),
    ]


def remittance_advice_pdf(payment: Payment) -> bytes:
    styles = getSampleStyleSheet()
    cell = styles["Normal"]
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        title=f"Avis de paiement {payment.end_to_end_id}",
        author=settings.PASSPLUS_SCHEME_NAME,
    )
    # Paragraphs, not plain strings: a long name wraps within its cell. Names are typed by
    # people: escaped (markup shown as typed) and kept to one line of visible characters.
    facts = [
        [Paragraph(pdf_markup(label), cell), Paragraph(pdf_markup(value), cell)]
        for label, value in remittance_advice_facts(payment)
    ]
    rows = [["Ticket", "Collégien", "Saisi le", "Montant"]] + [
        [
            format_ticket_number(redemption.ticket.number),
            pdf_line(redemption.ticket.wallet.pupil.initials),
            f"{timezone.localtime(redemption.entered_at):%d/%m/%Y}",
            format_cents(redemption.amount_cents),
        ]
        for redemption in payment.redemptions.select_related("ticket__wallet__pupil").order_by(
            "entered_at"
        )
    ]
    tickets = Table(rows, repeatRows=1, colWidths=[45 * mm, 35 * mm, 35 * mm, 35 * mm])
    tickets.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f5f9")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                ("ALIGN", (3, 0), (3, -1), "RIGHT"),
            ]
        )
    )
    document.build(
        [
            Paragraph(f"{settings.PASSPLUS_SCHEME_NAME} — avis de paiement", styles["Title"]),
            Table(facts, colWidths=[55 * mm, 105 * mm]),
            Spacer(1, 6 * mm),
            Paragraph("Tickets payés", styles["Heading2"]),
            tickets,
        ]
    )
    return buffer.getvalue()
