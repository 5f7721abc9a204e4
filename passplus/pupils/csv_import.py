"""Reading and checking a pupil CSV file (the département's enrolment lists).

The file: one header line, then one pupil per line. `;`, `,` or tab separators; UTF-8 with or
without BOM, UTF-16 with its BOM (Excel's "Texte Unicode"), or Windows-1252 (Excel's "CSV"
export). Columns are found by their French header, in any order; other columns are ignored.
Every line is checked before anything is written; the report gives each wrong line's number (the
header is line 1) and French messages.

What is not a text file (a workbook, a PDF, NUL characters) and a file of more than MAX_LINES
lines are refused as a whole, before any line is parsed. A cell holding a control or invisible
character (escape, a bidi override, a zero-width space) makes its line wrong: such a name would
show differently from what it is. Cells starting with = + - @ are kept as typed (they are
names); every export neutralises them (passplus.core.exports).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from passplus.accounts.models import Role, User
from passplus.campaigns.models import SchoolYear
from passplus.core.french import plural
from passplus.core.text import first_invisible
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
HEADER_LINE = ";".join(header for header, _aliases in COLUMNS.values())
MAX_LENGTHS = {
    "email": 254,
    "parent_name": 150,
    "first_name": 100,
    "last_name": 100,
    "college": 150,
}
DELIMITERS = (";", ",", "\t")
# What staff upload by mistake instead of a CSV file, by its first bytes.
BINARY_SIGNATURES = {
    b"PK\x03\x04": "un classeur Excel (.xlsx) ou une archive",
    b"\xd0\xcf\x11\xe0": "un classeur Excel ancien (.xls)",
    b"%PDF": "un document PDF",
}
SAVE_AS_CSV = "dans votre tableur, enregistrez-le au format « CSV UTF-8 » puis déposez ce fichier."
NUL_MESSAGE = (
    "Le fichier contient des caractères nuls : ce n'est pas un fichier CSV (un classeur, une "
    f"image, ou un texte UTF-16 sans marque d'ordre des octets) ; {SAVE_AS_CSV}"
)
YES, NO = {"oui", "o"}, {"non", "n"}
DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
CLASS_RE = re.compile(r"^([3-6])\s*(?:e|eme|ème|è|°)?$")


class FileError(Exception):
    """The file as a whole cannot be read (French message for the staff)."""


def normalise_header(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def identity_key(first_name: str, last_name: str, birth_date: dt.date) -> tuple[str, str, str]:
    """Same pupil = same first name, last name and birth date (case and spaces aside)."""

    def clean(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return clean(first_name), clean(last_name), birth_date.isoformat()


def decode(data: bytes) -> str:
    """The file's text: UTF-16 with its BOM, UTF-8 (BOM or not), else Windows-1252. Refused
    when it is no text at all (a workbook, a PDF, NUL characters)."""
    for signature, kind in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise FileError(f"Le fichier est {kind}, pas un fichier CSV : {SAVE_AS_CSV}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")  # the BOM says which byte order, and is removed
        except UnicodeDecodeError as error:
            raise FileError(f"Le fichier UTF-16 est illisible : {SAVE_AS_CSV}") from error
    elif b"\x00" in data:
        raise FileError(NUL_MESSAGE)
    else:
        text = _utf8_or_windows_1252(data)
    if "\x00" in text:
        raise FileError(NUL_MESSAGE)
    return text


def _utf8_or_windows_1252(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise FileError(
            "Le fichier n'est pas un texte lisible : enregistrez-le au format CSV UTF-8."
        ) from error


def read_records(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, cells by field) of every non-empty line after the header."""
    text = decode(data)
    # Counted before parsing (blank lines too), so that a million short lines cost one pass.
    lines = max(text.count("\n"), text.count("\r")) - 1 + (text[-1:] not in "\r\n")
    if lines > MAX_LINES:
        raise FileError(
            f"Le fichier compte {_thousands(lines)} lignes après l'en-tête, "
            f"{_thousands(MAX_LINES)} au plus : découpez-le."
        )
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)  # ";" on a tie (Excel's French CSV)
    reader = csv.reader(_lines(text), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as error:
        raise FileError("Le fichier est vide.") from error
    positions = column_positions(header)
    records: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(records) >= MAX_LINES:
                raise FileError(f"Le fichier dépasse {_thousands(MAX_LINES)} lignes : découpez-le.")
            records.append(
                (
                    reader.line_num,
                    {
                        name: cells[index].strip() if index < len(cells) else ""
                        for name, index in positions.items()
                    },
                )
            )
    except csv.Error as error:
        # csv's messages are English: said again in French.
        reason = (
            f"une cellule dépasse {_thousands(csv.field_size_limit())} caractères"
            if "field limit" in str(error)
            else "guillemets ou séparateurs mal placés"
        )
        raise FileError(f"Ligne {reader.line_num} illisible : {reason}.") from error
    if not records:
        raise FileError("Le fichier ne contient aucune ligne après l'en-tête.")
    return records


LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` as `io.StringIO(text, newline="")` gives them (CRLF, CR or LF
    kept), one at a time: StringIO would first copy the whole text at 4 bytes a character."""
    for match in LINE.finditer(text):
        yield match.group()


def _thousands(number: int) -> str:
    """200000 -> '200 000' (a narrow no-break space, as French typography wants)."""
    return f"{number:,}".replace(",", "\u202f")


def column_positions(header: list[str]) -> dict[str, int]:
    found = {normalise_header(cell): index for index, cell in reversed(list(enumerate(header)))}
    positions, missing = {}, []
    for name, (label, aliases) in COLUMNS.items():
        index = next(
            (found[key] for key in [normalise_header(label), *aliases] if key in found), None
        )
        if index is None:
            missing.append(f"« {label} »")
        else:
            positions[name] = index
    if missing:
        raise FileError(
            plural(len(missing), "Colonne manquante", "Colonnes manquantes")
            + " dans l'en-tête : "
            + ", ".join(missing)
            + f". L'en-tête attendu est : {HEADER_LINE}"
        )
    return positions


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
            f"« {COLUMNS[name][0]} » est obligatoire." for name, value in cells.items() if not value
        ]
        messages += [
            f"« {COLUMNS[name][0]} » dépasse {limit} caractères."
            for name, limit in MAX_LENGTHS.items()
            if len(cells[name]) > limit
        ]
        messages += [
            f"« {COLUMNS[name][0]} » contient un caractère invisible ou de contrôle "
            f"(position {position}) : retirez-le."
            for name, value in cells.items()
            if (position := first_invisible(value)) is not None
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
        if scholarship and scholarship not in YES | NO:
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
        match = DATE_RE.match(text)
        try:
            if not match:
                raise ValueError
            day, month, year = (int(part) for part in match.groups())
            born = dt.date(year, month, day)
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
