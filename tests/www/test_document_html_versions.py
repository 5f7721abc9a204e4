"""Every generated document has an HTML version on the site holding its text (RGAA 13.3,
issue 22 §11): reportlab, our PDF library, writes untagged PDFs, which a screen reader reads
poorly or not at all. Each test reads the PDF as drawn and finds each of its lines in the page:
a line added to the PDF and not to its page fails here."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.organisations.documents import blank_identification_form_pdf
from passplus.payments.documents import remittance_advice_pdf
from passplus.tickets.documents import render_ticket_pdf
from tests.helpers import factories
from tests.helpers.pages import parse_html, text_of
from tests.helpers.pdf import pdf_pages_text

pytestmark = pytest.mark.django_db


def normalised(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def missing_lines(pdf: bytes, page: Any, *, skip: re.Pattern[str] | None = None) -> list[str]:
    """The PDF's lines not found in the page's main text (drawn boxes and guides skipped)."""
    text = normalised(text_of(parse_html(page), "main"))
    lines = (
        normalised(line) for page_text in pdf_pages_text(pdf) for line in page_text.split("\n")
    )
    return [
        line
        for line in lines
        if len(line) > 2 and not (skip and skip.search(line)) and line not in text
    ]


def test_a_ticket_page_says_everything_its_pdf_prints(client: Client) -> None:
    ticket = factories.TicketFactory(amount_cents=3000)
    client.force_login(ticket.wallet.pupil.family.user)

    page = client.get(reverse("family:ticket", args=[ticket.pk]))

    assert page.status_code == 200
    assert missing_lines(render_ticket_pdf(ticket), page) == []
    html = parse_html(page)
    qr = html.select_one("figure.qr-code svg[role=img]")
    assert qr is not None and ticket.display_number in str(qr["aria-label"])
    home = parse_html(client.get(reverse("family:home")))
    assert home.select_one(f"a[href='{reverse('family:ticket', args=[ticket.pk])}']")


def test_a_used_ticket_has_no_page_as_it_has_no_pdf(client: Client) -> None:
    ticket = factories.TicketFactory(used=True)
    client.force_login(ticket.wallet.pupil.family.user)
    assert client.get(reverse("family:ticket", args=[ticket.pk])).status_code == 410
    other = factories.TicketFactory()
    assert client.get(reverse("family:ticket", args=[other.pk])).status_code == 404


def test_a_paid_transfers_page_says_everything_its_remittance_advice_prints(
    client: Client,
) -> None:
    organisation = factories.OrganisationFactory()
    payment = factories.PaymentFactory(organisation=organisation, paid=True, ticket_count=3)
    for _ in range(3):
        factories.RedemptionFactory(organisation=organisation, reimbursed=True, payment=payment)
    client.force_login(factories.UserFactory(organisation_member=True, organisation=organisation))

    page = client.get(reverse("partner:payment", args=[payment.pk]))

    assert missing_lines(remittance_advice_pdf(payment), page) == []


def test_the_identification_form_page_says_everything_the_form_prints(client: Client) -> None:
    page = client.get(reverse("public:identification_form"))

    # The dotted lines and boxes to write on are drawing, not text to read.
    dots = re.compile(r"\.{4,}")
    assert missing_lines(blank_identification_form_pdf(), page, skip=dots) == []
    help_page = parse_html(client.get(reverse("public:help")))
    assert help_page.select_one(f"a[href='{reverse('public:identification_form')}']")
