"""Reading a CSV file that staff export from a spreadsheet, shared by the pupil import
(passplus.pupils.csv_import) and the switch-over of organisations
(passplus.organisations.switch_over.checking).

The file: one header line, then one record per line. `;`, `,` or tab separators; UTF-8 with or
without BOM, UTF-16 with its BOM (Excel's "Texte Unicode"), or Windows-1252 (Excel's "CSV"
export). Columns are found by their header once normalised (accents, case and punctuation
aside), in any order; other columns are ignored. A caller describes its columns as
`{field: (header as documented, {other accepted spellings, normalised})}`.

What is not a text file (a workbook, a PDF, NUL characters), a file of more than `max_lines`
lines (or `max_columns` columns) and a line csv cannot read are refused as a whole (FileError),
before any line is checked. The line-level checks every import makes (an empty required cell, a
cell too long, a control or invisible character) give French messages by field; line numbers
are the file's (the header is line 1; a quoted line break makes a record end further down).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping

from passplus.core.french import format_number, plural
from passplus.core.text import first_invisible

# field -> (header as documented, other accepted spellings once normalised)
Columns = Mapping[str, tuple[str, Collection[str]]]

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
YES, NO = frozenset({"oui", "o"}), frozenset({"non", "n"})
DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
SHOWN_CHARACTERS = 60  # of a wrong value quoted in a message


class FileError(Exception):
    """The file as a whole cannot be read (French message for the staff)."""


def normalise_header(text: str) -> str:
    """'Date de création' -> 'date de creation' (accents, case and punctuation aside)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def header_line(columns: Columns) -> str:
    """The documented header line: every column, `;`-separated, in the documented order."""
    return ";".join(header for header, _aliases in columns.values())


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


def read_records(
    data: bytes,
    columns: Columns,
    *,
    max_lines: int,
    required: Collection[str] | None = None,
    max_columns: int | None = None,
) -> list[tuple[int, dict[str, str]]]:
    """(line number, stripped cell of every field of `columns`) of every non-empty line after
    the header. The file must have the columns of `required` (all of them when None); a field
    whose optional column is absent reads "". Raises FileError for the file as a whole."""
    text = decode(data)
    # Counted before parsing (blank lines too), so that a million short lines cost one pass.
    lines = max(text.count("\n"), text.count("\r")) - 1 + (text[-1:] not in "\r\n")
    if lines > max_lines:
        raise FileError(
            f"Le fichier compte {format_number(lines)} lignes après l'en-tête, "
            f"{format_number(max_lines)} au plus : découpez-le."
        )
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)  # ";" on a tie (Excel's French CSV)
    reader = csv.reader(_lines(text), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as error:
        raise FileError("Le fichier est vide.") from error
    if max_columns is not None and len(header) > max_columns:
        raise FileError(
            f"L'en-tête compte {format_number(len(header))} colonnes, "
            f"{format_number(max_columns)} au plus : retirez les colonnes inutiles."
        )
    positions = column_positions(header, columns, required=required)
    absent = {name: "" for name in columns if name not in positions}
    records: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            if max_columns is not None and len(cells) > max_columns:
                raise FileError(
                    f"La ligne {reader.line_num} compte {format_number(len(cells))} cellules, "
                    f"{format_number(max_columns)} au plus : vérifiez les séparateurs."
                )
            if not any(cell.strip() for cell in cells):
                continue
            if len(records) >= max_lines:
                raise FileError(
                    f"Le fichier dépasse {format_number(max_lines)} lignes : découpez-le."
                )
            record = {
                name: cells[index].strip() if index < len(cells) else ""
                for name, index in positions.items()
            }
            records.append((reader.line_num, record | absent if absent else record))
    except csv.Error as error:
        # csv's messages are English: said again in French.
        reason = (
            f"une cellule dépasse {format_number(csv.field_size_limit())} caractères"
            if "field limit" in str(error)
            else "guillemets ou séparateurs mal placés"
        )
        raise FileError(f"Ligne {reader.line_num} illisible : {reason}.") from error
    if not records:
        raise FileError("Le fichier ne contient aucune ligne après l'en-tête.")
    return records


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` as `io.StringIO(text, newline="")` gives them (CRLF, CR or LF
    kept), one at a time: StringIO would first copy the whole text at 4 bytes a character."""
    for match in LINE.finditer(text):
        yield match.group()


def column_positions(
    header: list[str], columns: Columns, *, required: Collection[str] | None = None
) -> dict[str, int]:
    """The index of each field's column in `header` (the first one when repeated). Raises
    FileError naming every missing column of `required` (all when None) and the expected
    header; an absent optional column is left out."""
    found = {normalise_header(cell): index for index, cell in reversed(list(enumerate(header)))}
    positions, missing = {}, []
    for name, (label, aliases) in columns.items():
        index = next(
            (found[key] for key in [normalise_header(label), *aliases] if key in found), None
        )
        if index is not None:
            positions[name] = index
        elif required is None or name in required:
            missing.append(f"« {label} »")
    if missing:
        raise FileError(
            plural(len(missing), "Colonne manquante", "Colonnes manquantes")
            + " dans l'en-tête : "
            + ", ".join(missing)
            + f". L'en-tête attendu est : {header_line(columns)}"
        )
    return positions


# Line-level checks: {field: French message} so that a caller can leave aside the fields already
# wrong ----------------------------------------------------------------------------------------


def missing_cells(
    cells: Mapping[str, str], columns: Columns, names: Iterable[str]
) -> dict[str, str]:
    """The fields of `names` left empty."""
    return {name: f"« {columns[name][0]} » est obligatoire." for name in names if not cells[name]}


def too_long_cells(
    cells: Mapping[str, str], columns: Columns, limits: Mapping[str, int]
) -> dict[str, str]:
    """The fields longer than their limit (in characters)."""
    return {
        name: f"« {columns[name][0]} » dépasse {format_number(limit)} caractères."
        for name, limit in limits.items()
        if len(cells[name]) > limit
    }


def invisible_cells(
    cells: Mapping[str, str], columns: Columns, *, multiline: Collection[str] = ()
) -> dict[str, str]:
    """The fields holding a control or invisible character (escape, a bidi override, a
    zero-width space): such a name would show differently from what it is. Line breaks are
    allowed in the fields of `multiline` only."""
    messages = {}
    for name, value in cells.items():
        if name in multiline:
            value = value.replace("\r", " ").replace("\n", " ")  # positions kept
        position = first_invisible(value)
        if position is not None:
            messages[name] = (
                f"« {columns[name][0]} » contient un caractère invisible ou de contrôle "
                f"(position {position}) : retirez-le."
            )
    return messages


def parse_date(text: str) -> dt.date:
    """jj/mm/aaaa (a day or month of one digit too); ValueError otherwise."""
    match = DATE_RE.match(text)
    if not match:
        raise ValueError(text)
    day, month, year = (int(part) for part in match.groups())
    return dt.date(year, month, day)


def parse_yes_no(text: str) -> bool | None:
    """oui/o -> True, non/n -> False (any case), None for anything else."""
    value = text.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    return None


def shown(value: str) -> str:
    """A wrong value as quoted back in a message: cut after SHOWN_CHARACTERS characters."""
    if len(value) <= SHOWN_CHARACTERS:
        return value
    return value[:SHOWN_CHARACTERS] + "…"
