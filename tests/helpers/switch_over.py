"""Switch-over files (docs/switch-over.md) as a département's previous system exports them: one
organisation per line, every value valid and real-looking (SIRETs, RNAs and IBANs with their
check digits computed by stdnum and schwifty, communes of the test territory, French phones and
mobiles), and the ZIP of documents the lines name. Deterministic: line `line` of a file always
holds the same organisation, so a test can plant an error in it or copy its SIRET elsewhere.

- `organisation_row(line, start=0)`: the cells (by field of lines.COLUMNS) of file line `line`
  (line 2 is the first after the header);
- `organisation_csv(n, planted={line: {field: cell}})`: the file's bytes, `planted` cells
  replacing the generated ones;
- `documents_zip(n)`: the ZIP of the documents the lines of `organisation_csv(n,
  documents=True)` name (a RIB and a convention every DOCUMENT_EVERY lines);
- `valid_siret(i)`, `valid_rna(i)`, `valid_iban(i)`, `valid_mobile(i)`: the i-th valid value.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Collection, Mapping

from schwifty import IBAN
from stdnum import luhn

from passplus.organisations.switch_over.lines import COLUMNS
from passplus.territory.models import DEFAULT_COMMUNES_FILE, read_communes_file
from tests.helpers.affiliation import PDF_BYTES, PNG_BYTES

HEADER = [header for header, _aliases in COLUMNS.values()]
# French banks whose BIC schwifty derives from the bank code (the wizard's rule).
BANKS = {
    "30004": "BNPAFRPP",
    "30003": "SOGEFRPP",
    "20041": "PSSTFRPP",
    "10278": "CMCIFR2A",
    "30006": "AGRIFRPP",
}


def _communes() -> list[tuple[str, str, str]]:
    """The test territory's communes (the file migration territory 0002 loads): (INSEE code,
    name, first postcode)."""
    communes = []
    for row in read_communes_file(DEFAULT_COMMUNES_FILE):
        postcodes = row["postcodes"]
        assert isinstance(postcodes, list)
        communes.append((str(row["insee_code"]), str(row["name"]), str(postcodes[0])))
    return communes


COMMUNES = _communes()
LEGAL_FORMS = ("association", "association", "public", "entreprise", "autre")
DOMAINS = ("sport", "culture", "sport+culture")
CLUBS = (
    "Football Club",
    "Judo Club",
    "École de musique",
    "Compagnie de théâtre",
    "Tennis Club",
    "Atelier d'arts plastiques",
    "Cercle d'échecs",
    "Danse et Cie",
)
DOCUMENT_EVERY = 10
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def valid_siret(i: int) -> str:
    """A SIRET whose SIREN and whole number pass the Luhn key (14 digits)."""
    siren = f"7{i:07d}"
    siren += luhn.calc_check_digit(siren)
    nic = f"{i % 1000 + 1:04d}"
    return siren + nic + luhn.calc_check_digit(siren + nic)


def valid_rna(i: int) -> str:
    return f"W92{i:07d}"


def valid_iban(i: int) -> str:
    """A French IBAN (compact) with its RIB key and check digits, of a bank schwifty knows."""
    bank = list(BANKS)[i % len(BANKS)]
    return str(
        IBAN.generate("FR", bank_code=bank, branch_code="00001", account_code=f"{i:011d}").compact
    )


def bic_of_iban(iban: str) -> str:
    return BANKS[iban[4:9]]


def valid_mobile(i: int) -> str:
    """06 12 34 56 78 style: a French mobile, in the 06 12 block (every 06 block is not
    allocated: libphonenumber refuses some, and so does the check)."""
    digits = f"0612{(i * 7919) % 1_000_000:06d}"
    return " ".join(digits[k : k + 2] for k in range(0, 10, 2))


def valid_phone(i: int) -> str:
    digits = f"01{(47_000_000 + i * 13) % 100_000_000:08d}"
    return " ".join(digits[k : k + 2] for k in range(0, 10, 2))


def grouped(number: str, size: int = 4) -> str:
    return " ".join(number[k : k + size] for k in range(0, len(number), size))


def document_names(line: int, *, start: int = 0) -> tuple[str, str]:
    """The RIB and convention file names line `line` gives when it names documents."""
    i = start + line
    rib_extension = ("pdf", "png", "jpg")[(line // DOCUMENT_EVERY) % 3]
    return f"rib-{i}.{rib_extension}", f"convention-{i}.pdf"


def organisation_row(line: int, *, start: int = 0, documents: bool = False) -> dict[str, str]:
    """The cells of file line `line` (2 is the first after the header). `start` shifts the
    organisations (another file's organisations); `documents` names a RIB and a convention
    every DOCUMENT_EVERY lines."""
    i = start + line
    form = LEGAL_FORMS[i % len(LEGAL_FORMS)]
    insee, commune, postcode = COMMUNES[i % len(COMMUNES)]
    club = CLUBS[i % len(CLUBS)]
    legal_name = f"{club} de {commune} n°{i}"
    iban = valid_iban(i)
    # An association without SIRET one time in two (its RNA then identifies it); the others
    # carry a SIRET, written with spaces one time in three.
    siret = "" if form == "association" and i % 2 else valid_siret(i)
    if siret and i % 3 == 0:
        siret = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    rib, convention = document_names(line, start=start)
    named = documents and line % DOCUMENT_EVERY == 0
    return {
        "legal_name": legal_name,
        "acronym": "".join(word[0].upper() for word in club.split() if len(word) > 2),
        "legal_form": form.capitalize() if i % 4 == 0 else form,
        "siret": siret,
        "rna": valid_rna(i) if form == "association" else "",
        "creation_date": f"{i % 28 + 1:02d}/{i % 12 + 1:02d}/{1950 + i % 70}",
        "is_non_profit": "non" if form == "entreprise" else ("Oui" if i % 5 == 0 else "oui"),
        "domains": DOMAINS[i % len(DOMAINS)],
        "street": f"{i % 150 + 1} rue des Sports",
        "postcode": postcode,
        "commune": insee if i % 7 == 0 else (commune.upper() if i % 11 == 0 else commune),
        "public_name": f"{club} {commune}" if i % 2 else "",
        "public_phone": valid_phone(i) if i % 3 else "",
        "public_email": f"accueil{i}@club{i}.example.fr" if i % 2 else "",
        "website": f"https://club{i}.example.fr" if i % 4 else "",
        "description": f"{club} : activités pour les collégiens, le mercredi.",
        "contact_name": f"Marie Durand {i}",
        "contact_email": f"Contact{i}@club{i}.example.fr",
        "contact_mobile": valid_mobile(i) if i % 2 else "",
        "representative_name": f"Jean Martin {i}",
        "representative_role": "Président",
        "representative_email": f"president{i}@club{i}.example.fr",
        "representative_mobile": valid_mobile(i + 1),
        "iban": grouped(iban) if i % 2 else iban,
        "bic": bic_of_iban(iban),
        "holder": legal_name[:140],
        "bank_validated": "oui" if i % 3 else "non",
        "convention_signed_on": f"{i % 28 + 1:02d}/09/2024",
        "convention_version": "2024-1",
        "rib_file": rib if named else "",
        "convention_file": convention if named else "",
    }


def organisation_csv(
    n: int = 200,
    *,
    planted: Mapping[int, Mapping[str, str]] | None = None,
    start: int = 0,
    documents: bool = False,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> bytes:
    """A file of `n` organisations (lines 2 to n + 1), each valid unless `planted` replaces
    some of its cells ({line: {field: cell}})."""
    planted = planted or {}
    assert all(2 <= line <= n + 1 for line in planted), "planted lines are 2 … n + 1"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in range(2, n + 2):
        row = organisation_row(line, start=start, documents=documents) | dict(planted.get(line, {}))
        writer.writerow([row[name] for name in COLUMNS])
    return out.getvalue().encode(encoding)


def zip_archive(files: Mapping[str, bytes]) -> bytes:
    """A ZIP archive of `files` ({name: bytes}), as staff upload with a file of organisations."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def documents_zip(
    n: int = 200,
    *,
    start: int = 0,
    missing: Collection[str] = (),
    extra: Mapping[str, bytes] | None = None,
) -> bytes:
    """The ZIP of the documents named by `organisation_csv(n, start=start, documents=True)`,
    less the names of `missing`, plus `extra` ({name: bytes})."""
    contents = {"pdf": PDF_BYTES, "png": PNG_BYTES, "jpg": JPEG_BYTES}
    files = {
        name: contents[name.rsplit(".", 1)[1]]
        for line in range(2, n + 2)
        if not line % DOCUMENT_EVERY
        for name in document_names(line, start=start)
        if name not in missing
    }
    return zip_archive(files | dict(extra or {}))
