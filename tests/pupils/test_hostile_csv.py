"""Hostile pupil CSV files through the back office (issue 30 §1): formulas kept as text and
neutralised in every export; every encoding (UTF-16 with its BOM accepted); binary files,
invisible characters, a file at the size limit and one byte over, a million short lines. Each bad
file gets a French message and leaves nothing imported."""

from __future__ import annotations

import codecs
import csv
import io
import random
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from passplus.campaigns.models import SchoolYear
from passplus.pupils.csv_import import HEADER_LINE
from passplus.pupils.models import Family, ImportJob, ImportStatus, Pupil, Wallet
from tests.helpers import factories
from tests.helpers.accounts import log_in_new_user
from tests.helpers.database import assert_unchanged
from tests.helpers.pages import parse_html, text_of
from tests.helpers.pupil_import import UPLOAD, csv_bytes, line, upload
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

FORMULAS = {
    "first": '=HYPERLINK("http://evil.example","clic")',
    "last": "+33 1 23",
    "parent": "@SUM(A1)",
    "college": "-2+3 Collège",
}
NOTHING_IMPORTED = [Family, Pupil, Wallet]


@pytest.fixture
def year() -> SchoolYear:
    return factories.SchoolYearFactory()


def confirm(client: Client, job: ImportJob, mode: str = "all") -> ImportJob:
    client.post(reverse("backoffice:pupil_import_confirm", args=[job.pk]), {"mode": mode})
    run_queued_tasks()
    job.refresh_from_db()
    return job


def refused(client: Client, year: SchoolYear, data: bytes) -> tuple[ImportJob, str]:
    """Upload `data`, expect the whole file refused; returns the job and its page's text."""
    job = upload(client, year, data)
    assert [model.objects.count() for model in NOTHING_IMPORTED] == [0, 0, 0]
    assert job.status == ImportStatus.INVALID
    assert job.valid_lines == 0
    page = parse_html(client.get(reverse("backoffice:pupil_import_job", args=[job.pk])))
    assert page.select("main form button") == []  # nothing to import
    return job, text_of(page, "main")


def test_formulas_are_stored_as_typed_and_neutralised_in_every_export(
    client: Client, year: SchoolYear
) -> None:
    log_in_new_user(client)
    job = confirm(client, upload(client, year, csv_bytes(line(year, **FORMULAS))))
    assert job.status == ImportStatus.IMPORTED

    pupil = Pupil.objects.get()
    assert (pupil.first_name, pupil.last_name, pupil.college) == (
        FORMULAS["first"],
        FORMULAS["last"],
        FORMULAS["college"],
    )
    assert pupil.family.parent_name == FORMULAS["parent"]
    organisation = factories.OrganisationFactory()
    ticket = factories.TicketFactory(wallet=pupil.wallets.get(), used=True)
    factories.RedemptionFactory(ticket=ticket, organisation=organisation)

    partner = Client()
    partner.force_login(factories.UserFactory(organisation_member=True, organisation=organisation))
    raw = b"".join(partner.get(reverse("partner:redemptions_csv")).streaming_content)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][1] == f"'{FORMULAS['first']} {FORMULAS['last']}"
    xlsx = b"".join(partner.get(reverse("partner:redemptions_xlsx")).streaming_content)
    workbook = load_workbook(io.BytesIO(xlsx))
    cell = workbook.active["B2"]  # type: ignore[index]
    assert (cell.data_type, cell.value) == ("s", f"'{FORMULAS['first']} {FORMULAS['last']}")
    chart = client.get(
        reverse("backoffice:dashboard_csv", args=["recours-par-college"]), {"campagne": year.pk}
    )
    colleges = [
        row[0] for row in csv.reader(io.StringIO(chart.content.decode("utf-8-sig")), delimiter=";")
    ]
    assert f"'{FORMULAS['college']}" in colleges


def utf16(text: str, byte_order: str) -> bytes:
    bom = codecs.BOM_UTF16_LE if byte_order == "le" else codecs.BOM_UTF16_BE
    return bom + text.encode(f"utf-16-{byte_order}")


def text_file(year: SchoolYear, delimiter: str = ";") -> str:
    names = {"first": "Zoé", "last": "Lœvy-Müller", "college": "Collège Saint-Exupéry"}
    return "\r\n".join([HEADER_LINE, line(year, **names)]).replace(";", delimiter)


ENCODINGS: dict[str, Any] = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8 with BOM": lambda text: text.encode("utf-8-sig"),
    "windows-1252": lambda text: text.encode("cp1252"),
    "utf-16 le with BOM": lambda text: utf16(text, "le"),
    "utf-16 be with BOM": lambda text: utf16(text, "be"),
}


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_every_encoding_with_a_known_byte_order_is_read(
    client: Client, year: SchoolYear, encoding: str
) -> None:
    log_in_new_user(client)
    job = upload(client, year, ENCODINGS[encoding](text_file(year)))
    assert (job.status, job.file_error) == (ImportStatus.VALID, "")

    assert confirm(client, job).status == ImportStatus.IMPORTED
    pupil = Pupil.objects.get()
    assert (pupil.first_name, pupil.last_name) == ("Zoé", "Lœvy-Müller")


def test_excels_unicode_text_utf16_with_tabs_is_read(client: Client, year: SchoolYear) -> None:
    log_in_new_user(client)
    job = upload(client, year, utf16(text_file(year, delimiter="\t"), "le"))
    assert job.status == ImportStatus.VALID
    assert confirm(client, job).status == ImportStatus.IMPORTED
    assert Pupil.objects.get().college == "Collège Saint-Exupéry"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("utf-16 without BOM", "caractères nuls"),
        ("binary garbage", "caractères nuls"),
        ("workbook", "classeur Excel (.xlsx)"),
        ("pdf", "document PDF"),
        ("huge cell", "Ligne 2 illisible : une cellule dépasse 131\u202f072 caractères."),
    ],
)
def test_a_file_that_is_no_pupil_csv_is_refused_in_french(
    client: Client, year: SchoolYear, name: str, message: str
) -> None:
    log_in_new_user(client)
    data = {
        "utf-16 without BOM": text_file(year).encode("utf-16-le"),
        "binary garbage": random.Random(30).randbytes(4096),
        "workbook": b"PK\x03\x04" + random.Random(1).randbytes(2000),
        "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        "huge cell": f"{HEADER_LINE}\r\n{'x' * 200_000};a\r\n".encode(),
    }[name]

    job, page = refused(client, year, data)

    assert message in job.file_error
    assert message.replace("\u202f", " ") in page


def test_a_million_short_lines_are_refused_before_parsing(client: Client, year: SchoolYear) -> None:
    log_in_new_user(client)
    data = (HEADER_LINE + "\r\n" + "x\r\n" * 1_000_000).encode()

    job, _page = refused(client, year, data)

    assert job.file_error == (
        "Le fichier compte 1\u202f000\u202f000 lignes après l'en-tête, 200\u202f000 au plus : "
        "découpez-le."
    )
    assert job.total_lines == 0 and job.errors == []


@pytest.mark.parametrize(
    ("cell", "position", "line_number"),
    [("Lé\x1ba", 3, 2), ("\u202eaéL", 1, 2), ("Léa\u200b", 4, 2), ('"Léa\nMarie"', 4, 3)],
    ids=["escape", "bidi override", "zero-width space", "line break in a quoted cell"],
)
def test_an_invisible_character_in_a_cell_is_a_wrong_line(
    client: Client, year: SchoolYear, cell: str, position: int, line_number: int
) -> None:
    # A quoted cell's line break makes the line end one further down (as csv counts lines).
    log_in_new_user(client)
    data = csv_bytes(line(year, first=cell), line(year, first="Hugo"))

    job = upload(client, year, data)

    assert (job.status, job.valid_lines, job.error_lines) == (ImportStatus.INVALID, 1, 1)
    assert job.errors == [
        {
            "line": line_number,
            "messages": [
                f"« prénom » contient un caractère invisible ou de contrôle "
                f"(position {position}) : retirez-le."
            ],
        }
    ]
    with assert_unchanged(counted=NOTHING_IMPORTED):
        assert confirm(client, job).status == ImportStatus.INVALID  # "all" is refused


def file_of_size(year: SchoolYear, size: int) -> bytes:
    """A valid one-pupil file padded with blank lines of 1,000 spaces (fewer lines than the
    limit on lines) to exactly `size` bytes."""
    data = csv_bytes(line(year)) + b"\r\n"
    lines, rest = divmod(size - len(data), 1002)
    return data + (b" " * 1000 + b"\r\n") * lines + b" " * rest


def test_a_file_of_exactly_the_size_limit_is_imported(
    client: Client, year: SchoolYear, settings: Any
) -> None:
    limit = settings.PASSPLUS_PUPIL_IMPORT_MAX_BYTES  # the real limit, 50 MiB by default
    log_in_new_user(client)
    data = file_of_size(year, limit)
    assert len(data) == limit

    job = upload(client, year, data)

    assert (job.status, job.valid_lines, job.error_lines) == (ImportStatus.VALID, 1, 0)
    del data


def test_a_file_one_byte_over_the_limit_is_refused_and_nothing_is_stored(
    client: Client, year: SchoolYear, settings: Any
) -> None:
    settings.PASSPLUS_PUPIL_IMPORT_MAX_BYTES = 10 * 2**20
    log_in_new_user(client)
    data = file_of_size(year, 10 * 2**20 + 1)

    with assert_unchanged(counted=[ImportJob, DBTaskResult, *NOTHING_IMPORTED]):
        response = client.post(
            UPLOAD,
            {"school_year": year.pk, "file": SimpleUploadedFile("eleves.csv", data, "text/csv")},
        )

    assert response.status_code == 200
    assert "Le fichier dépasse 10 Mo : découpez-le." in text_of(parse_html(response), "main")
