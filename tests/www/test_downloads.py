"""Download links say the file's format and size (issue 22 §10; the crawl of
tests/www/test_demo_links.py checks every link of every role). A size built from a number of
rows is an estimate: here each estimate is held against the real file, which must weigh
between half and twice what the link says."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.payments.sepa import sepa_file
from passplus.tickets.documents import render_ticket_pdf
from passplus.www import downloads
from passplus.www.downloads import FileSize, estimated, size_label
from tests.helpers import factories

pytestmark = pytest.mark.django_db


def content(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def assert_close(estimate: FileSize, real: bytes) -> None:
    assert estimate.approximate
    assert 0.5 <= len(real) / estimate.size <= 2, (str(estimate), len(real))


@pytest.mark.parametrize(
    ("size", "label"),
    [(0, "1 Ko"), (700, "1 Ko"), (18 * 1024, "18 Ko"), (int(1.3 * 1024 * 1024), "1,3 Mo")],
)
def test_sizes_are_written_the_french_way(size: int, label: str) -> None:
    assert size_label(size) == label
    assert str(FileSize("PDF", size)) == f"PDF, {label}"
    assert str(FileSize("CSV", size, approximate=True)) == f"CSV, environ {label}"


def test_the_ticket_pdf_weighs_what_its_link_says() -> None:
    real = render_ticket_pdf(factories.TicketFactory())
    assert_close(estimated("PDF", 1, 0, downloads.TICKET_PDF_BYTES), real)


def test_the_payment_advice_weighs_what_its_link_says(client: Client) -> None:
    organisation = factories.OrganisationFactory()
    payment = factories.PaymentFactory(organisation=organisation, paid=True, ticket_count=40)
    for _ in range(40):
        factories.RedemptionFactory(organisation=organisation, reimbursed=True, payment=payment)
    client.force_login(factories.UserFactory(organisation_member=True, organisation=organisation))

    real = content(client.get(reverse("partner:payment_advice", args=[payment.pk])))

    assert_close(
        estimated(
            "PDF",
            40,
            downloads.PAYMENT_ADVICE_ROW_BYTES,
            downloads.PAYMENT_ADVICE_BASE_BYTES,
        ),
        real,
    )


@pytest.mark.parametrize(
    ("url_name", "row_bytes"),
    [
        ("public:directory_csv", downloads.DIRECTORY_CSV_ROW_BYTES),
        ("public:directory_json", downloads.DIRECTORY_JSON_ROW_BYTES),
    ],
)
def test_the_directory_files_weigh_what_their_links_say(
    client: Client, url_name: str, row_bytes: int
) -> None:
    for number in range(60):
        organisation = factories.OrganisationFactory(
            public_name=f"Association sportive et culturelle n° {number}",
            street=f"{number} avenue de la République",
            postcode="92000",
            city="Nanterre",
            public_phone="+33123456789",
            public_email=f"contact{number}@club.example.fr",
        )
        factories.ActivityFactory(organisation=organisation)

    real = content(client.get(reverse(url_name)))

    assert_close(estimated("CSV", 60, row_bytes), real)


@pytest.mark.parametrize(
    ("url_name", "row_bytes", "base"),
    [
        ("partner:redemptions_csv", downloads.REDEMPTIONS_CSV_ROW_BYTES, 200),
        (
            "partner:redemptions_xlsx",
            downloads.REDEMPTIONS_XLSX_ROW_BYTES,
            downloads.XLSX_BASE_BYTES,
        ),
    ],
)
def test_the_entries_exports_weigh_what_their_links_say(
    client: Client, url_name: str, row_bytes: int, base: int
) -> None:
    member = factories.UserFactory(organisation_member=True)
    for _ in range(80):
        factories.RedemptionFactory(organisation=member.organisation)
    client.force_login(member)

    real = content(client.get(reverse(url_name)))

    assert_close(estimated("CSV", 80, row_bytes, base), real)


def test_the_sepa_file_weighs_what_its_link_says() -> None:
    run = factories.PaymentRunFactory(approved=True)
    for _ in range(25):
        factories.PaymentFactory(run=run)

    real = sepa_file(run).xml

    assert_close(
        estimated("XML", 25, downloads.SEPA_TRANSFER_BYTES, downloads.SEPA_BASE_BYTES), real
    )
