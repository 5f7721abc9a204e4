"""Reading and checking a pupil CSV file (the département's enrolment lists).

The file: one header line, then one pupil per line, read by the shared CSV helpers
(passplus.core.csv_files: encodings, separators, headers in any order, binary files and a file
of more than MAX_LINES lines refused as a whole). Every line is checked before anything is
written; the report gives each wrong line's number (the header is line 1) and French messages.

A cell holding a control or invisible character (escape, a bidi override, a zero-width space)
makes its line wrong: such a name would show differently from what it is. Cells starting with
= + - @ are kept as typed (they are names); every export neutralises them
(passplus.core.exports).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from passplus.accounts.models import Role, User
from passplus.campaigns.models import SchoolYear
from passplus.core import csv_files
from passplus.core.csv_files import YES
from passplus.core.csv_files import FileError as FileError  # the import's services use it
from passplus.pupils.models import Family, Pupil, SchoolClass, Wallet

MAX_LINES = 200_000
MIN_AGE, MAX_AGE = 9, 17

# field -> (header as documented, other accepted spellings once normalised)
COLUMNS: dict[str, tuple[str, set[str]]] = {
    "email": ("e-mail famille", {"email famille", "e mail famille", "courriel famille"}),
    "parent_name": ("nom du parent", {"nom parent", "parent"}),
    "first_name": ("prénom", {"prenom eleve", "prenom de l eleve"}),
    "last_name": ("nom", {"nom eleve", "nom de l eleve"}),
    "birth_date": ("date de naissance", {"date naissance", "naissance"}),
    "college": ("collège", set()),
    "school_class": ("classe", set()),
    "scholarship": ("boursier", {"bourse"}),
}
HEADER_LINE = csv_files.header_line(COLUMNS)
MAX_LENGTHS = {
    "email": 254,
    "parent_name": 150,
    "first_name": 100,
    "last_name": 100,
    "college": 150,
}
CLASS_RE = re.compile(r"^([3-6])\s*(?:e|eme|ème|è|°)?$")


def identity_key(first_name: str, last_name: str, birth_date: dt.date) -> tuple[str, str, str]:
    """Same pupil = same first name, last name and birth date (case and spaces aside)."""

    def clean(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return clean(first_name), clean(last_name), birth_date.isoformat()


def read_records(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, cells by field) of every non-empty line after the header."""
    return csv_files.read_records(data, COLUMNS, max_lines=MAX_LINES)


def column_positions(header: list[str]) -> dict[str, int]:
    return csv_files.column_positions(header, COLUMNS)


@dataclass
class PupilLine:
    """One valid line, ready to import."""

    line: int
    email: str
    parent_name: str
    first_name: str
    last_name: str
    birth_date: dt.date
    college: str
    school_class: str
    is_scholarship: bool
    existing_pupil_id: int | None = None  # a known pupil, renewed for the year


@dataclass
class Report:
    total: int = 0
    valid: list[PupilLine] = field(default_factory=list)
    errors: list[tuple[int, list[str]]] = field(default_factory=list)


class LineChecker:
    """Checks lines against each other and against the database (loaded once, up front)."""

    def __init__(self, school_year: SchoolYear) -> None:
        self.school_year = school_year
        start = school_year.starts_on
        oldest, youngest = start.replace(year=start.year - MAX_AGE - 1), start
        self.known: dict[tuple[str, str, str], tuple[int, str]] = {}
        for pk, first, last, born, email in Pupil.objects.filter(
            birth_date__gte=oldest, birth_date__lte=youngest
        ).values_list("pk", "first_name", "last_name", "birth_date", "family__email"):
            self.known[identity_key(first, last, born)] = (pk, email.lower())
        self.enrolled = set(
            Wallet.objects.filter(school_year=school_year).values_list("pupil_id", flat=True)
        )
        self.family_emails = {e.lower() for e in Family.objects.values_list("email", flat=True)}
        self.other_accounts = {
            email.lower()
            for email in User.objects.exclude(role=Role.FAMILY).values_list("email", flat=True)
        }
        self.seen: dict[tuple[str, str, str], int] = {}

    def check(self, line: int, cells: dict[str, str]) -> tuple[PupilLine | None, list[str]]:
        messages = [
            *csv_files.missing_cells(cells, COLUMNS, COLUMNS).values(),
            *csv_files.too_long_cells(cells, COLUMNS, MAX_LENGTHS).values(),
            *csv_files.invisible_cells(cells, COLUMNS).values(),
        ]
        email = cells["email"].lower()
        if email and len(email) <= MAX_LENGTHS["email"]:
            try:
                validate_email(email)
            except ValidationError:
                messages.append(f"Adresse e-mail invalide : « {cells['email']} ».")
            else:
                if email in self.other_accounts:
                    messages.append(
                        f"L'adresse « {email} » est celle d'un compte qui n'est pas une famille."
                    )
        birth_date = self.check_birth_date(cells["birth_date"], messages)
        school_class = self.check_class(cells["school_class"], messages)
        scholarship = cells["scholarship"].lower()
        if scholarship and csv_files.parse_yes_no(scholarship) is None:
            messages.append(
                f"« boursier » vaut « {cells['scholarship']} » : indiquez « oui » ou « non »."
            )
        existing = None
        if birth_date and cells["first_name"] and cells["last_name"]:
            key = identity_key(cells["first_name"], cells["last_name"], birth_date)
            existing = self.check_duplicates(line, key, email, messages)
        if messages:
            return None, messages
        assert birth_date is not None and school_class is not None
        return (
            PupilLine(
                line=line,
                email=email,
                parent_name=cells["parent_name"],
                first_name=cells["first_name"],
                last_name=cells["last_name"],
                birth_date=birth_date,
                college=cells["college"],
                school_class=school_class,
                is_scholarship=scholarship in YES,
                existing_pupil_id=existing,
            ),
            [],
        )

    def check_birth_date(self, text: str, messages: list[str]) -> dt.date | None:
        if not text:
            return None
        try:
            born = csv_files.parse_date(text)
        except ValueError:
            messages.append(f"Date de naissance invalide : « {text} » (attendu jj/mm/aaaa).")
            return None
        start = self.school_year.starts_on
        age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
        if not MIN_AGE <= age <= MAX_AGE:
            messages.append(
                f"Date de naissance {text} : {max(age, 0)} ans au {start:%d/%m/%Y}, "
                f"un collégien a entre {MIN_AGE} et {MAX_AGE} ans."
            )
            return None
        return born

    @staticmethod
    def check_class(text: str, messages: list[str]) -> str | None:
        if not text:
            return None
        match = CLASS_RE.match(text.lower())
        if not match:
            messages.append(f"Classe invalide : « {text} » (attendu 6e, 5e, 4e ou 3e).")
            return None
        value = f"{match.group(1)}e"
        assert value in SchoolClass.values
        return value

    def check_duplicates(
        self, line: int, key: tuple[str, str, str], email: str, messages: list[str]
    ) -> int | None:
        """The id of a known pupil this line renews for the year, if any."""
        if key in self.seen:
            messages.append(f"Même collégien que la ligne {self.seen[key]} (prénom, nom, date).")
            return None
        self.seen[key] = line
        if key not in self.known:
            return None
        pupil_id, family_email = self.known[key]
        if pupil_id in self.enrolled:
            messages.append(
                f"Collégien déjà inscrit pour l'année scolaire {self.school_year.label}."
            )
        elif family_email != email:
            messages.append("Ce collégien est déjà connu dans une autre famille (autre e-mail).")
        return pupil_id


def check_file(
    data: bytes,
    school_year: SchoolYear,
    progress: Callable[[int, int], None] | None = None,
    every: int = 5000,
) -> Report:
    """Check every line of `data`; raises FileError when the file itself is unusable."""
    records = read_records(data)
    checker = LineChecker(school_year)
    report = Report(total=len(records))
    for done, (line, cells) in enumerate(records, start=1):
        pupil_line, messages = checker.check(line, cells)
        if pupil_line is None:
            report.errors.append((line, messages))
        else:
            report.valid.append(pupil_line)
        if progress and done % every == 0:
            progress(done, report.total)
    return report


def sample_lines() -> Iterator[str]:
    """The example shown on the import page."""
    yield HEADER_LINE
    yield "parent.dupont@example.fr;Claire Dupont;Léa;Dupont;12/04/2013;Collège Paul Éluard;5e;non"
    yield "parent.dupont@example.fr;Claire Dupont;Hugo;Dupont;03/11/2014;Collège Paul Éluard;6e;non"
