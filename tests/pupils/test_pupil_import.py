"""Pupil CSV import: every line checked first, a French message per wrong line, nothing
imported unless every line is right or staff explicitly import the valid ones; families
created once and welcomed once; wallets credited; roles."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import Role, User
from passplus.campaigns.models import SchoolYear
from passplus.core.enums import WalletDomain
from passplus.core.errors import DomainError
from passplus.pupils.csv_import import HEADER_LINE
from passplus.pupils.import_requests import import_job_upload
from passplus.pupils.models import Family, ImportJob, ImportStatus, Pupil, Wallet
from tests.helpers import factories
from tests.helpers.accounts import log_in_new_user
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.pages import parse_html
from tests.helpers.pupil_import import UPLOAD, born, csv_bytes, line, upload
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def year() -> SchoolYear:
    return factories.SchoolYearFactory()


def confirm(client: Client, job: ImportJob, mode: str = "all") -> ImportJob:
    client.post(reverse("backoffice:pupil_import_confirm", args=[job.pk]), {"mode": mode})
    run_queued_tasks()
    job.refresh_from_db()
    return job


def report(client: Client, job: ImportJob) -> dict[int, str]:
    soup = parse_html(client.get(reverse("backoffice:pupil_import_job", args=[job.pk])))
    return {
        int(row.th.get_text()): " ".join(row.td.get_text(" ").split())
        for row in soup.select("tbody tr")
    }


def test_a_valid_file_is_checked_then_imported_with_credited_wallets(
    client: Client, year: SchoolYear
) -> None:
    staff = log_in_new_user(client)
    data = csv_bytes(
        line(year),
        line(year, first="Hugo", birth=born(year, 10), **{"class": "6e", "scholarship": "oui"}),
        line(year, email="Autre@Example.fr", parent="Paul Martin", first="Zoé", last="Martin"),
    )
    job = upload(client, year, data)
    assert job.status == ImportStatus.VALID
    assert (job.total_lines, job.valid_lines, job.error_lines) == (3, 3, 0)
    assert not Pupil.objects.exists()  # checked, nothing imported yet

    job = confirm(client, job)
    assert job.status == ImportStatus.IMPORTED
    assert (job.created_families, job.created_pupils, job.created_wallets) == (2, 3, 3)
    assert audit_trail(job) == [
        ("pupil_import.upload", staff.pk),
        ("pupil_import.request", staff.pk),
        ("pupil_import.import", staff.pk),
    ]
    hugo = Pupil.objects.get(first_name="Hugo")
    assert hugo.is_scholarship and hugo.school_class == "6e"
    assert hugo.family.email == "parent.dupont@example.fr"
    assert list(Wallet.objects.filter(pupil=hugo).values_list("domain", "granted_cents")) == [
        (WalletDomain.ALL, 10000)
    ]
    assert Wallet.objects.get(pupil__first_name="Léa").granted_cents == 8000
    family = Family.objects.get(email="autre@example.fr")
    assert family.user is not None and family.user.role == Role.FAMILY
    assert not family.user.has_usable_password()


def test_each_new_family_gets_exactly_one_email_with_a_password_link(
    client: Client, year: SchoolYear
) -> None:
    log_in_new_user(client)
    existing = factories.FamilyFactory(user__email="deja@example.fr", email="deja@example.fr")
    data = csv_bytes(
        line(year),
        line(year, first="Hugo"),
        line(year, email="deja@example.fr", first="Noé"),
        line(year, email="autre@example.fr", first="Zoé", last="Martin"),
    )
    confirm(client, upload(client, year, data))
    run_queued_tasks()  # the per-family tasks queued by the welcome task
    assert sorted(message.to[0] for message in mail.outbox) == [
        "autre@example.fr",
        "parent.dupont@example.fr",
    ]
    body = mail.outbox[0].body
    assert "/compte/mot-de-passe/nouveau/" in body
    assert Pupil.objects.get(first_name="Noé").family == existing
    assert Family.objects.filter(welcome_sent_at__isnull=False).count() == 2


def test_a_split_year_credits_sport_and_culture_wallets(client: Client) -> None:
    year = factories.SchoolYearFactory(split=True)
    log_in_new_user(client)
    data = csv_bytes(line(year), line(year, first="Hugo", scholarship="oui"))
    confirm(client, upload(client, year, data))
    assert sorted(Wallet.objects.values_list("pupil__first_name", "domain", "granted_cents")) == [
        ("Hugo", WalletDomain.CULTURE, 5000),
        ("Hugo", WalletDomain.SPORT, 5000),
        ("Léa", WalletDomain.CULTURE, 4000),
        ("Léa", WalletDomain.SPORT, 4000),
    ]


BAD_LINES = [
    ({"email": "pas-une-adresse"}, "Adresse e-mail invalide"),
    ({"email": ""}, "« e-mail famille » est obligatoire"),
    ({"parent": ""}, "« nom du parent » est obligatoire"),
    ({"first": ""}, "« prénom » est obligatoire"),
    ({"last": ""}, "« nom » est obligatoire"),
    ({"college": ""}, "« collège » est obligatoire"),
    ({"scholarship": ""}, "« boursier » est obligatoire"),
    ({"scholarship": "peut-être"}, "indiquez « oui » ou « non »"),
    ({"birth": "31/02/2013"}, "Date de naissance invalide"),
    ({"birth": "2013-04-12"}, "attendu jj/mm/aaaa"),
    ({"birth": "12/04/1900"}, "un collégien a entre 9 et 17 ans"),
    ({"birth": "yesterday"}, "Date de naissance invalide"),
    ({"class": "2nde"}, "Classe invalide"),
    ({"class": "CM2"}, "Classe invalide"),
    ({"last": "x" * 101}, "« nom » dépasse 100 caractères"),
]


@pytest.mark.parametrize(("cells", "message"), BAD_LINES)
def test_a_bad_line_gets_a_french_message_and_nothing_is_imported(
    client: Client, year: SchoolYear, cells: dict[str, str], message: str
) -> None:
    log_in_new_user(client)
    data = csv_bytes(line(year, first="Hugo"), line(year, **cells))
    job = upload(client, year, data)
    assert job.status == ImportStatus.INVALID
    assert (job.valid_lines, job.error_lines) == (1, 1)
    errors = report(client, job)
    assert list(errors) == [3]  # the header is line 1
    assert message in errors[3]
    # Asking for a full import is refused: only the explicit "valid lines" choice imports.
    with assert_unchanged(job, counted=[Pupil, Family, User, Wallet, DBTaskResult]):
        confirm(client, job, "all")
    assert not Pupil.objects.exists() and not Family.objects.exists()
    assert not User.objects.filter(role=Role.FAMILY).exists()


def test_too_young_and_too_old_pupils_are_refused(client: Client, year: SchoolYear) -> None:
    log_in_new_user(client)
    data = csv_bytes(
        line(year, first="A", birth=born(year, 8)),
        line(year, first="B", birth=born(year, 9)),
        line(year, first="C", birth=born(year, 17)),
        line(year, first="D", birth=born(year, 18)),
    )
    assert set(report(client, upload(client, year, data))) == {2, 5}


def test_explicit_partial_import_imports_exactly_the_valid_lines(
    client: Client, year: SchoolYear
) -> None:
    log_in_new_user(client)
    data = csv_bytes(
        line(year, first="Hugo"),
        line(year, first="Zoé", **{"class": "2nde"}),
        line(year, first="Noé"),
        line(year, first="Max", email="faux"),
    )
    job = upload(client, year, data)
    page = parse_html(client.get(reverse("backoffice:pupil_import_job", args=[job.pk])))
    buttons = [" ".join(b.get_text().split()) for b in page.select("main form button")]
    assert "Importer les 2 lignes valides" in buttons
    job = confirm(client, job, "valid_only")
    assert job.status == ImportStatus.IMPORTED
    assert sorted(Pupil.objects.values_list("first_name", flat=True)) == ["Hugo", "Noé"]


def test_duplicates_in_the_file_are_reported_with_the_first_line(
    client: Client, year: SchoolYear
) -> None:
    log_in_new_user(client)
    data = csv_bytes(line(year), line(year, first=" léa ", last="DUPONT", email="x@example.fr"))
    errors = report(client, upload(client, year, data))
    assert "Même collégien que la ligne 2" in errors[3]


def test_reimporting_the_same_file_creates_no_duplicates(client: Client, year: SchoolYear) -> None:
    log_in_new_user(client)
    data = csv_bytes(line(year), line(year, first="Hugo"))
    confirm(client, upload(client, year, data))
    job = upload(client, year, data)
    assert job.status == ImportStatus.INVALID and job.valid_lines == 0
    assert "déjà inscrit pour l'année scolaire" in report(client, job)[2]
    assert Pupil.objects.count() == 2 and Wallet.objects.count() == 2
    assert Family.objects.count() == 1


def test_a_known_pupil_in_another_family_is_refused(client: Client, year: SchoolYear) -> None:
    log_in_new_user(client)
    pupil = factories.PupilFactory(first_name="Léa", last_name="Dupont")
    data = csv_bytes(line(year, birth=pupil.birth_date.strftime("%d/%m/%Y")))
    job = upload(client, year, data)
    assert "déjà connu dans une autre famille" in report(client, job)[2]


def test_a_known_pupil_of_the_same_family_is_renewed_for_a_new_year(
    client: Client, year: SchoolYear
) -> None:
    log_in_new_user(client)
    pupil = factories.PupilFactory(
        first_name="Léa", last_name="Dupont", family__email="parent.dupont@example.fr"
    )
    data = csv_bytes(line(year, birth=pupil.birth_date.strftime("%d/%m/%Y"), scholarship="oui"))
    job = confirm(client, upload(client, year, data))
    assert (job.renewed_pupils, job.created_pupils, job.created_families) == (1, 0, 0)
    pupil.refresh_from_db()
    assert pupil.is_scholarship and pupil.school_class == "5e"
    assert Wallet.objects.get(pupil=pupil, school_year=year).granted_cents == 10000
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Le fichier est vide"),
        (b"email;nom\nx@example.fr;Dupont", "Colonnes manquantes dans l'en-tête"),
        (HEADER_LINE.encode(), "aucune ligne"),
        (b"\x81\x8d\x8f\x90\x9d" * 10, "pas un texte lisible"),
    ],
)
def test_an_unusable_file_is_refused_as_a_whole(
    client: Client, year: SchoolYear, data: bytes, message: str
) -> None:
    log_in_new_user(client)
    if not data:
        with assert_unchanged(counted=[ImportJob, DBTaskResult]):
            response = client.post(
                UPLOAD, {"school_year": year.pk, "file": SimpleUploadedFile("e.csv", b"")}
            )
        assert "Le fichier est vide" in parse_html(response).get_text()
        return
    job = upload(client, year, data)
    assert job.status == ImportStatus.INVALID
    assert message in job.file_error
    page = parse_html(client.get(reverse("backoffice:pupil_import_job", args=[job.pk])))
    assert page.select("main form button") == []


def test_comma_separator_bom_and_windows_1252_are_read(client: Client, year: SchoolYear) -> None:
    log_in_new_user(client)
    comma = csv_bytes(
        line(year).replace(";", ","),
        header=HEADER_LINE.replace(";", ","),
        encoding="utf-8-sig",
    )
    assert upload(client, year, comma).status == ImportStatus.VALID
    header = "Collège;E-mail famille;Nom du parent;Prénom;Nom;Date de naissance;Classe;Boursier"
    row = f"Collège Éluard;z@example.fr;Hélène Zoé;Zoé;Zéphyr;{born(year)};4ème;OUI"
    job = upload(client, year, csv_bytes(row, header=header, encoding="cp1252"))
    assert job.status == ImportStatus.VALID
    confirm(client, job)
    assert Pupil.objects.get(last_name="Zéphyr").college == "Collège Éluard"


def test_the_report_is_paginated_and_counts_every_error(client: Client, year: SchoolYear) -> None:
    log_in_new_user(client)
    data = csv_bytes(*[line(year, first=f"E{n}", email="faux") for n in range(120)])
    job = upload(client, year, data)
    assert job.error_lines == 120
    url = reverse("backoffice:pupil_import_job", args=[job.pk])
    assert len(parse_html(client.get(url)).select("tbody tr")) == 50
    assert len(parse_html(client.get(url, {"page": 3})).select("tbody tr")) == 20


def test_a_running_job_page_updates_its_progress_in_place_without_reloading(
    client: Client, year: SchoolYear
) -> None:
    log_in_new_user(client)
    client.post(
        UPLOAD,
        {"school_year": year.pk, "file": SimpleUploadedFile("e.csv", csv_bytes(line(year)))},
    )
    url = reverse("backoffice:pupil_import_job", args=[ImportJob.objects.get().pk])
    page = parse_html(client.get(url))
    assert page.select_one("meta[http-equiv]") is None  # a reload would throw the focus away
    zone = page.select_one("#avancement-import[data-live-progress]")
    assert zone is not None
    controls = zone.select("[data-progress-stop], [data-progress-manual], [data-progress-body]")
    assert [element.name for element in controls] == ["button", "a", "div"]  # stop link first
    assert controls[0].has_attr("hidden")  # without JavaScript: only the plain link
    assert controls[1]["href"] == url
    run_queued_tasks()
    assert parse_html(client.get(url)).select_one("#avancement-import") is None  # finished


def test_finance_cannot_import(client: Client, year: SchoolYear) -> None:
    log_in_new_user(client, Role.FINANCE)
    assert client.get(UPLOAD).status_code == 403
    with assert_unchanged(counted=[ImportJob, DBTaskResult]):
        response = client.post(
            UPLOAD, {"school_year": year.pk, "file": SimpleUploadedFile("e.csv", b"x")}
        )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("role", [Role.ORGANISATION, Role.CORRESPONDENT, Role.FAMILY])
def test_other_roles_get_403(client: Client, year: SchoolYear, role: str) -> None:
    staff = factories.UserFactory(gestionnaire=True)
    job = ImportJob.objects.create(school_year=year, original_name="e.csv", created_by=staff)
    log_in_new_user(client, role)
    assert client.get(UPLOAD).status_code == 403
    assert client.get(reverse("backoffice:pupil_import_job", args=[job.pk])).status_code == 403
    confirm_url = reverse("backoffice:pupil_import_confirm", args=[job.pk])
    with assert_unchanged(job, counted=[DBTaskResult, Pupil]):
        response = client.post(confirm_url, {"mode": "all"})
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client) -> None:
    response: Any = client.get(UPLOAD)
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


# The service (passplus.pupils.import_requests.import_job_upload) -------------------------------


def test_the_upload_service_stores_the_file_audits_and_enqueues_its_check(
    year: SchoolYear,
) -> None:
    staff = factories.UserFactory(gestionnaire=True)
    data = csv_bytes(line(year))
    job = import_job_upload(
        school_year=year, upload=SimpleUploadedFile("eleves.csv", data), actor=staff
    )
    assert (job.original_name, job.created_by, job.status) == (
        "eleves.csv",
        staff,
        ImportStatus.PENDING,
    )
    assert job.file.read() == data
    assert audit_trail(job) == [("pupil_import.upload", staff.pk)]
    assert DBTaskResult.objects.get().args_kwargs["kwargs"] == {"job_id": job.pk}


@pytest.mark.parametrize(
    ("size", "message"), [(0, "Le fichier est vide."), (101, "Le fichier dépasse")]
)
def test_the_upload_service_refuses_an_empty_or_too_big_file_and_stores_nothing(
    year: SchoolYear, settings: Any, size: int, message: str
) -> None:
    settings.PASSPLUS_PUPIL_IMPORT_MAX_BYTES = 100
    staff = factories.UserFactory(gestionnaire=True)
    upload = SimpleUploadedFile("eleves.csv", b"x" * size)
    with (
        assert_unchanged(counted=[ImportJob, DBTaskResult]),
        pytest.raises(DomainError, match=message),
    ):
        import_job_upload(school_year=year, upload=upload, actor=staff)
