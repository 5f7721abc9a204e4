"""Checking a switch-over file (passplus/organisations/switch_over/checking.py, issue 34): a
generated file of 200 organisations with one planted error of each kind is reported on exactly
the planted lines; the wizard's rules (identity by legal form, La Poste's SIRET, the BIC, the
communes of the territory), duplicates against the platform, the documents of the ZIP; hostile
files refused as a whole in French; the check writes nothing and its queries do not grow with
the file."""

from __future__ import annotations

import codecs
import datetime as dt
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from stdnum import luhn

from passplus.accounts.models import Role, User
from passplus.organisations.enums import LegalForm
from passplus.organisations.models import (
    BankAccount,
    ImportedOrganisation,
    Organisation,
    OrganisationImport,
)
from passplus.organisations.switch_over.checking import CheckResult, FileError, check_file
from passplus.organisations.switch_over.documents import open_archive
from passplus.organisations.switch_over.lines import COLUMNS, REQUIRED_COLUMNS
from passplus.territory.models import Commune
from tests.helpers import factories
from tests.helpers.affiliation import PDF_BYTES, PNG_BYTES
from tests.helpers.database import assert_unchanged
from tests.helpers.switch_over import (
    HEADER,
    document_names,
    documents_zip,
    organisation_csv,
    organisation_row,
    valid_iban,
    valid_siret,
)

pytestmark = pytest.mark.django_db

NOTHING_WRITTEN = [Organisation, ImportedOrganisation, BankAccount, OrganisationImport, User]
LA_POSTE_SIRET = "35600000049008"  # valid by La Poste's rule only (its digits' sum)


@pytest.fixture(autouse=True)
def territory() -> None:
    factories.commune()  # the territory's communes (reloaded after a flush)


def lines_where(predicate: Callable[[dict[str, str]], bool], n: int = 200) -> Iterator[int]:
    return (line for line in range(2, n + 2) if predicate(organisation_row(line)))


def compact(value: str) -> str:
    return "".join(value.split())


def messages_by_line(result: CheckResult) -> dict[int, list[str]]:
    return dict(result.errors)


def one_line(row: dict[str, str] | None = None, **cells: str) -> bytes:
    """A file of one organisation (line 2): the generated one, with `cells` replaced."""
    return organisation_csv(1, planted={2: {**(row or {}), **cells}})


def checked_line(**cells: str) -> CheckResult:
    return check_file(one_line(**cells), archive=None)


# The planted file ----------------------------------------------------------------------------


def other_last_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def test_each_planted_error_is_reported_on_its_line_and_nothing_else() -> None:
    with_siret = lines_where(lambda row: bool(row["siret"]) and not row["rna"])
    siret_line, duplicated_line, copy_line, existing_line, imported_line = (
        next(with_siret) for _ in range(5)
    )
    association = next(lines_where(lambda row: bool(row["rna"])))
    documented = 20
    rib = document_names(documented)[0]
    row = organisation_row
    planted: dict[int, tuple[dict[str, str], str]] = {
        siret_line: (
            {"siret": other_last_digit(compact(row(siret_line)["siret"]))},
            "clé de contrôle incorrecte",
        ),
        association: ({"rna": "X921234567"}, "commence par W"),
        31: ({"iban": other_last_digit(valid_iban(31))}, "Cet IBAN n'est pas valide"),
        32: ({"commune": "Paris"}, "« Paris » n'est pas une commune du territoire"),
        33: ({"creation_date": "31/02/2001"}, "date invalide « 31/02/2001 »"),
        34: ({"is_non_profit": "peut-être"}, "indiquez « oui » ou « non »"),
        35: ({"domains": "football"}, "indiquez sport, culture ou sport+culture"),
        36: ({"legal_form": "SARL"}, "indiquez association, public, entreprise ou autre"),
        copy_line: (
            {"siret": row(duplicated_line)["siret"]},
            f"Même organisme que la ligne {duplicated_line}",
        ),
        existing_line: ({}, "déjà partenaire sur la plateforme"),
        documented: ({}, f"« {rib} » est absent de l'archive"),
        41: ({"contact_email": "marie.durand@"}, "adresse e-mail invalide"),
        42: ({"contact_mobile": "01 47 00 00 00"}, "n'est pas un portable"),
        43: ({"legal_name": "x" * 201}, "« nom » dépasse 200 caractères."),
    }
    assert len(planted) == 14  # one line each, no line planted twice
    # Already on the platform: one organisation that joined through it (its line is wrong), one
    # a switch-over imported (its line updates it: right).
    factories.OrganisationFactory(siret=compact(row(existing_line)["siret"]), rna="")
    imported = factories.OrganisationFactory(siret=compact(row(imported_line)["siret"]), rna="")
    ImportedOrganisation.objects.create(
        organisation=imported,
        line=imported_line,
        contact_name="Marie",
        contact_email="marie@example.fr",
        convention_signed_on=dt.date(2024, 9, 1),
    )
    data = organisation_csv(
        200, planted={line: cells for line, (cells, _) in planted.items()}, documents=True
    )
    archive = open_archive(documents_zip(200, missing=[rib]))

    with assert_unchanged(counted=NOTHING_WRITTEN):
        result = check_file(data, archive=archive)

    errors = messages_by_line(result)
    assert sorted(errors) == sorted(planted)
    for line, (_cells, expected) in planted.items():
        assert len(errors[line]) == 1, (line, errors[line])
        assert expected in errors[line][0], (line, errors[line])
    assert result.total == 200
    assert len(result.valid) == 186
    assert [valid.line for valid in result.valid] == sorted(set(range(2, 202)) - set(planted))


def test_valid_lines_are_normalised() -> None:
    result = check_file(
        organisation_csv(200, documents=True), archive=open_archive(documents_zip())
    )
    assert result.errors == []
    lines = {valid.line: valid for valid in result.valid}
    # Line 7 names its commune by INSEE code, line 11 by its name in capitals (no accents).
    assert lines[7].commune_id == Commune.objects.get(insee_code=organisation_row(7)["commune"]).pk
    assert organisation_row(11)["commune"].isupper()
    assert (
        Commune.objects.get(pk=lines[11].commune_id).name.upper() == organisation_row(11)["commune"]
    )
    # A SIRET typed with spaces, an IBAN in groups of four, a mixed-case e-mail, phones.
    spaced = next(lines_where(lambda row: " " in row["siret"]))
    assert lines[spaced].siret == compact(organisation_row(spaced)["siret"])
    assert lines[3].iban == valid_iban(3) and " " in organisation_row(3)["iban"]
    assert lines[3].contact_email == "contact3@club3.example.fr"
    assert lines[3].contact_mobile.startswith("+336")
    assert lines[2].public_phone.startswith("+331")
    # Legal forms (« Association » in capitals on line 20), domains, oui/non, dates, documents.
    assert organisation_row(20)["legal_form"] == "Association"
    assert lines[20].legal_form == LegalForm.ASSOCIATION
    assert (lines[2].offers_sport, lines[2].offers_culture) == (True, True)  # sport+culture
    assert (lines[3].offers_sport, lines[3].offers_culture) == (True, False)
    assert lines[3].legal_form == LegalForm.COMPANY and lines[3].is_non_profit is False
    assert lines[4].bank_validated is True and lines[3].bank_validated is False
    assert lines[2].convention_signed_on == dt.date(2024, 9, 3)
    assert (lines[20].rib_file, lines[20].convention_file) == document_names(20)
    assert lines[21].rib_file == ""


# The wizard's rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "siret", "rna", "expected"),
    [
        ("association", "", "W921234567", None),
        ("association", valid_siret(5), "", None),
        ("autre", "", "W921234567", None),
        ("association", "", "", "Indiquez le SIRET ou le numéro RNA de l'organisme."),
        ("public", "", "W921234567", "Le SIRET est obligatoire pour un organisme public"),
        ("entreprise", "", "", "Le SIRET est obligatoire pour un organisme public"),
        ("public", LA_POSTE_SIRET, "", None),
    ],
)
def test_the_identity_each_legal_form_needs(
    form: str, siret: str, rna: str, expected: str | None
) -> None:
    result = checked_line(legal_form=form, siret=siret, rna=rna)
    if expected is None:
        assert result.errors == []
        assert (result.valid[0].siret, result.valid[0].rna) == (siret, rna)
    else:
        assert len(result.errors[0][1]) == 1 and expected in result.errors[0][1][0]


def test_la_postes_siret_passes_by_its_own_rule_not_luhn() -> None:
    assert not luhn.is_valid(LA_POSTE_SIRET)
    assert checked_line(legal_form="public", siret=LA_POSTE_SIRET).errors == []
    other = LA_POSTE_SIRET[:-1] + "9"  # La Poste's SIREN, digits no longer a multiple of 5
    assert "clé de contrôle" in checked_line(legal_form="public", siret=other).errors[0][1][0]


def test_the_bic_is_required_derived_when_possible_and_must_be_a_bic() -> None:
    assert checked_line(bic="").errors == [(2, ["« bic » est obligatoire."])]
    derived = checked_line(bic="AGRIFRPP")  # another bank's BIC: the IBAN's bank's wins
    assert derived.errors == [] and derived.valid[0].bic == organisation_row(2)["bic"]
    assert "Ce BIC n'est pas valide" in checked_line(bic="XYZ").errors[0][1][0]


def test_communes_by_name_accents_and_case_aside_or_by_insee_code() -> None:
    chatenay = Commune.objects.get(insee_code="92019")
    for typed in ("CHATENAY MALABRY", "châtenay-malabry", "92019"):
        assert checked_line(commune=typed).valid[0].commune_id == chatenay.pk
    assert "Le code INSEE 75056 n'est pas celui" in checked_line(commune="75056").errors[0][1][0]


def test_a_name_two_communes_share_asks_for_the_insee_code() -> None:
    Commune.objects.create(insee_code="92999", name="Nanterre", postcodes=["92000"])

    ambiguous = checked_line(commune="Nanterre")
    by_code = checked_line(commune="92999")

    assert ambiguous.errors == [
        (
            2,
            [
                "Plusieurs communes du territoire s'appellent « Nanterre » : indiquez son code "
                "INSEE (92050, 92999)."
            ],
        )
    ]
    assert by_code.valid[0].commune_id == Commune.objects.get(insee_code="92999").pk


def test_a_postcode_outside_the_territory_and_dates_in_the_future() -> None:
    result = checked_line(postcode="75001", convention_signed_on="01/01/2999")
    assert result.errors == [
        (
            2,
            [
                "Le code postal « 75001 » n'est pas dans le territoire du dispositif.",
                "« convention signée le » : le 01/01/2999 est dans le futur.",
            ],
        )
    ]


def test_several_mistakes_on_a_line_are_all_reported_in_the_columns_order() -> None:
    result = checked_line(
        legal_name="", siret="123", website="pas une adresse", representative_mobile="06 12"
    )
    assert result.errors == [
        (
            2,
            [
                "« nom » est obligatoire.",
                "Le SIRET comporte 14 chiffres.",
                "« site internet » : adresse invalide « pas une adresse ».",
                "« représentant mobile » : ce numéro de portable n'est pas valide (exemple : "
                "06 12 34 56 78).",
            ],
        )
    ]


# Duplicates and the platform ------------------------------------------------------------------


def test_the_same_rna_twice_in_the_file_is_wrong_on_the_later_line() -> None:
    first, second = list(lines_where(lambda row: bool(row["rna"]), n=20))[:2]
    result = check_file(
        organisation_csv(20, planted={second: {"rna": organisation_row(first)["rna"]}}),
        archive=None,
    )
    rna = organisation_row(first)["rna"]
    assert result.errors == [
        (
            second,
            [f"Même organisme que la ligne {first} (même numéro RNA {rna})."],
        )
    ]


def test_an_imported_organisation_whose_rna_belongs_to_another_is_wrong() -> None:
    row = organisation_row(2)
    imported = factories.OrganisationFactory(siret=compact(row["siret"]), rna="")
    ImportedOrganisation.objects.create(
        organisation=imported,
        line=2,
        contact_name="Marie",
        contact_email="marie@example.fr",
        convention_signed_on=dt.date(2024, 9, 1),
    )
    other = factories.OrganisationFactory(legal_name="Club voisin", siret="", rna="W920000001")

    result = checked_line(legal_form="association", rna=other.rna)

    assert result.errors == [
        (
            2,
            [
                "Le numéro RNA W920000001 est celui d'un autre organisme de la plateforme : "
                "« Club voisin »."
            ],
        )
    ]


def test_a_contact_address_that_is_another_accounts_login_is_wrong_unless_it_claimed_this_one() -> (
    None
):
    row = organisation_row(2)
    factories.UserFactory(email=row["contact_email"].lower())
    refused = checked_line()
    assert refused.errors[0][1] == [
        f"« contact courriel » : l'adresse « {row['contact_email'].lower()} » est déjà celle "
        "d'un autre compte de la plateforme ; indiquez une autre adresse pour ce contact."
    ]

    User.objects.all().delete()
    imported = factories.OrganisationFactory(siret=compact(row["siret"]), rna="")
    ImportedOrganisation.objects.create(
        organisation=imported,
        line=2,
        contact_name="Marie",
        contact_email=row["contact_email"].lower(),
        convention_signed_on=dt.date(2024, 9, 1),
    )
    factories.UserFactory(
        email=row["contact_email"].upper(), role=Role.ORGANISATION, organisation=imported
    )
    assert checked_line().errors == []  # the file again, once the contact claimed the account


# Documents -------------------------------------------------------------------------------------


def test_documents_named_without_an_archive_of_the_wrong_type_or_too_large(
    settings: Any,
) -> None:
    big = PDF_BYTES + b"0" * 2**20
    archive = open_archive(
        documents_zip(
            0, extra={"rib.pdf": b"pas un PDF", "convention.png": PNG_BYTES, "big.pdf": big}
        )
    )
    without_archive = checked_line(rib_file="rib-1.pdf")
    assert without_archive.errors[0][1] == [
        "« fichier rib » nomme « rib-1.pdf », mais aucune archive de documents (ZIP) n'a été "
        "déposée avec le fichier."
    ]
    wrong = check_file(
        one_line(rib_file="rib.pdf", convention_file="convention.png"), archive=archive
    )
    assert wrong.errors[0][1] == [
        "« fichier rib » : « rib.pdf » n'est pas un fichier PDF, JPEG ou PNG.",
        "« fichier convention » : « convention.png » n'est pas un fichier PDF.",
    ]
    settings.PASSPLUS_RIB_MAX_BYTES = 2**20  # lowered once the archive was opened
    large = check_file(one_line(convention_file="big.pdf"), archive=archive)
    assert large.errors[0][1] == ["« fichier convention » : « big.pdf » dépasse 1 Mo."]


# Hostile files ---------------------------------------------------------------------------------


def header_and(*cells_lines: str) -> bytes:
    return ("\r\n".join([";".join(HEADER), *cells_lines]) + "\r\n").encode()


HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "workbook": (
        lambda: b"PK\x03\x04" + random.Random(1).randbytes(2000),
        "Le fichier est un classeur Excel (.xlsx) ou une archive, pas un fichier CSV",
    ),
    "pdf": (lambda: b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "Le fichier est un document PDF"),
    "utf-16 without BOM": (
        lambda: organisation_csv(3).decode().encode("utf-16-le"),
        "Le fichier contient des caractères nuls",
    ),
    "random bytes": (
        lambda: random.Random(34).randbytes(4096),
        "Le fichier contient des caractères nuls",
    ),
    "undecodable bytes": (
        lambda: bytes(range(1, 256)) * 8,
        "Le fichier n'est pas un texte lisible : enregistrez-le au format CSV UTF-8.",
    ),
    "a required header missing": (
        lambda: organisation_csv(3).replace(b";iban;", b";compte;", 1),
        "Colonne manquante dans l'en-tête : « iban ». L'en-tête attendu est : nom;sigle;",
    ),
    "10,000 columns": (
        lambda: organisation_csv(3).replace(b"\r\n", b";" * 10_000 + b"\r\n", 1),
        "L'en-tête compte 10\u202f031 colonnes, 200 au plus : retirez les colonnes inutiles.",
    ),
    "10,000 cells on a line": (
        lambda: header_and(";" * 9_999),
        "La ligne 2 compte 10\u202f000 cellules, 200 au plus : vérifiez les séparateurs.",
    ),
    "a huge cell": (
        lambda: organisation_csv(1, planted={2: {"description": "x" * 200_000}}),
        "Ligne 2 illisible : une cellule dépasse 131\u202f072 caractères.",
    ),
    "only a header": (lambda: header_and(), "Le fichier ne contient aucune ligne après l'en-tête."),
    "empty": (lambda: b"", "Le fichier est vide."),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_file_is_refused_in_french_and_nothing_is_written(name: str) -> None:
    make, message = HOSTILE[name]
    data = make()
    with assert_unchanged(counted=NOTHING_WRITTEN), pytest.raises(FileError) as refused:
        check_file(data, archive=None)
    assert message in str(refused.value)


def test_formulas_are_kept_as_typed_unless_a_validator_refuses_them() -> None:
    formulas = {
        "legal_name": '=HYPERLINK("http://evil.example","clic")',
        "description": "@SUM(A1)",
        "contact_name": "-2+3 Marie",
        "holder": "+33 Trésorerie",
    }
    kept = checked_line(**formulas)
    assert kept.errors == []
    assert {name: getattr(kept.valid[0], name) for name in formulas} == formulas

    refused = checked_line(iban="=1+2", siret="+33123456789012")
    assert refused.errors == [
        (
            2,
            [
                "Le SIRET comporte 14 chiffres.",
                "Cet IBAN n'est pas valide. Recopiez-le depuis votre RIB.",
            ],
        )
    ]


def test_invisible_characters_are_wrong_but_a_description_may_hold_line_breaks() -> None:
    result = check_file(
        organisation_csv(
            2,
            planted={
                2: {"legal_name": "Club\u202e du Parc", "description": "Judo\r\nLe mercredi"},
                3: {"description": "Judo\nLe mercredi\u200b"},
            },
        ),
        archive=None,
    )
    assert result.errors == [
        # A record is numbered by the file's line it ends on, as csv counts them (the pupil
        # import's rule): each quoted line break counts.
        (3, ["« nom » contient un caractère invisible ou de contrôle (position 5) : retirez-le."]),
        (
            5,
            [
                "« description » contient un caractère invisible ou de contrôle (position 17) : "
                "retirez-le."
            ],
        ),
    ]


def test_any_encoding_separator_and_only_the_required_columns() -> None:
    required = [*REQUIRED_COLUMNS, "siret", "rna"]
    rows = [organisation_row(line) for line in (2, 3)]
    text = "\r\n".join(
        [
            ",".join(f'"{COLUMNS[name][0]}"' for name in required),
            *(",".join(f'"{row[name]}"' for name in required) for row in rows),
        ]
    )
    for data in (text.encode("cp1252"), codecs.BOM_UTF8 + text.encode(), text.encode("utf-16")):
        result = check_file(data, archive=None)
        assert result.errors == []
        assert [line.legal_name for line in result.valid] == [row["legal_name"] for row in rows]
        assert result.valid[0].public_name == "" and result.valid[0].rib_file == ""


# Progress and queries --------------------------------------------------------------------------


def test_progress_is_reported_every_hundred_lines_and_at_the_end() -> None:
    calls: list[tuple[int, int]] = []
    check_file(
        organisation_csv(250),
        archive=None,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(100, 250), (200, 250), (250, 250)]


def test_checking_200_lines_runs_the_queries_of_20() -> None:
    counts = []
    for n in (20, 200):
        data = organisation_csv(n)
        with CaptureQueriesContext(connection) as queries:
            result = check_file(data, archive=None)
        assert len(result.valid) == n
        counts.append(len(queries))
    assert counts[0] == counts[1] > 0
