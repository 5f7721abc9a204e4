"""Download links say the file's format and size (issue 22 §10; the crawl of
tests/www/test_demo_links.py checks every link of every role has one), and the size they say
is the size served (issue 32: a remittance advice announced « environ 4 Ko » weighed 2,3 Ko).

"Within rounding": an exact size ("PDF, 18 Ko") is the served size written the same way; an
estimate ("PDF, environ 2 Ko") is either that too, or within one Ko or 15 % (the larger) of
the served size: a row's bytes vary with its names and addresses. Every announced download of
every role's crawl of the demo data is fetched and held to it, and each estimate against files
built for the purpose."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from passplus.accounts.models import Role, User
from passplus.payments.sepa import sepa_file
from passplus.tickets.documents import render_ticket_pdf
from passplus.www import downloads
from passplus.www.downloads import FileSize, estimated, size_label
from tests.helpers import factories
from tests.helpers.accounts import VerifiedClient
from tests.helpers.crawl import crawl
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db


def content(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


# "PDF, 18 Ko", "CSV, environ 120 Ko", "XML, 1,2 Mo" (as test_demo_links.py reads them).
ANNOUNCED = re.compile(r"\b(PDF|CSV|XML|JSON|XLSX|JPEG|PNG), (environ )?(\d+(?:,\d)?) (Ko|Mo)\b")


def announces(label: str, real: int) -> bool:
    """Whether `label` ("PDF, environ 2 Ko") announces a file of `real` bytes, within rounding."""
    found = ANNOUNCED.search(label)
    assert found, label
    _kind, approximate, number, unit = found.groups()
    if size_label(real) == f"{number} {unit}":
        return True
    announced = float(number.replace(",", ".")) * (1024 if unit == "Ko" else 1024 * 1024)
    return bool(approximate) and abs(real - announced) <= max(1024, real * 0.15)


def assert_close(estimate: FileSize, real: bytes) -> None:
    assert estimate.approximate
    assert announces(str(estimate), len(real)), (str(estimate), len(real))


@pytest.mark.parametrize(
    ("label", "real", "expected"),
    [
        ("PDF, 18 Ko", 18_334, True),
        ("PDF, 18 Ko", 19_000, False),  # 18,6 Ko is written "19 Ko"
        ("PDF, environ 4 Ko", 2_368, False),  # issue 32's remittance advice
        ("PDF, environ 2 Ko", 2_368, True),
        ("CSV, environ 7 Ko", 10_408, False),  # the directory's, before issue 32
        ("CSV, environ 9 Ko", 10_408, True),
        ("CSV, environ 120 Ko", 112_000, True),
        ("XML, 1,2 Mo", 1_250_000, True),
    ],
)
def test_an_announced_size_matches_within_rounding(label: str, real: int, expected: bool) -> None:
    assert announces(label, real) is expected


@pytest.mark.parametrize("role", [*Role.values, "anonymous"])
def test_every_announced_download_weighs_what_its_link_says(shared_demo: str, role: str) -> None:
    client = VerifiedClient()
    start = "/"
    if role != "anonymous":
        client.force_login(User.objects.filter(role=role, is_active=True).order_by("pk").first())
        start = client.get("/compte/")["Location"]
    announced: dict[str, str] = {}  # url -> the label of a link to it

    def read(url: str, html: BeautifulSoup) -> None:
        for link in html.select("a[href]"):
            name = " ".join(str(link.get("aria-label") or link.get_text(" ", strip=True)).split())
            if found := ANNOUNCED.search(name):
                announced[urljoin(url, str(link["href"]))] = found.group(0)

    crawl(client, start, on_page=read)
    wrong = []
    for url, label in sorted(announced.items()):
        real = len(content(client.get(url)))
        if not announces(label, real):
            wrong.append(f"{url}: {label!r}, served {real} bytes ({size_label(real)})")

    assert announced  # every role is offered a download (the directory's, at least)
    assert wrong == []


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


@pytest.mark.parametrize("tickets", [1, 3, 40])
def test_the_payment_advice_weighs_what_its_link_says(client: Client, tickets: int) -> None:
    """One ticket weighs 2,3 Ko, not the « environ 4 Ko » announced before issue 32."""
    organisation = factories.OrganisationFactory()
    payment = factories.PaymentFactory(organisation=organisation, paid=True, ticket_count=tickets)
    for _ in range(tickets):
        factories.RedemptionFactory(organisation=organisation, reimbursed=True, payment=payment)
    client.force_login(factories.UserFactory(organisation_member=True, organisation=organisation))
    page = parse_html(client.get(reverse("partner:payment", args=[payment.pk])))
    link = page.find("a", href=reverse("partner:payment_advice", args=[payment.pk]))
    assert link is not None

    real = content(client.get(reverse("partner:payment_advice", args=[payment.pk])))

    assert announces(link.get_text(" ", strip=True), len(real)), (link.get_text(), len(real))


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
