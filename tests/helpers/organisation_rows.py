"""Small switch-over files (docs/switch-over.md) written row by row, for the tests of the
import's jobs and command: `row(n, **cells)` is a valid line of organisation n (its own SIRET,
e-mails and names), `csv_file(*rows)` the file with every documented header."""

from __future__ import annotations

from typing import Any

from passplus.organisations.switch_over.lines import COLUMNS
from tests.helpers import factories

IBAN = "FR76 3000 6000 0112 3456 7890 189"
OTHER_IBAN = "FR76 3000 4000 0312 3456 7890 143"


def siret(number: int) -> str:
    """A valid SIRET (Luhn key) of 14 digits for organisation `number`."""
    base = f"{number:013d}"
    for key in "0123456789":
        digits = [int(char) for char in base + key]
        total = sum(
            (digit * 2 - 9 if digit * 2 > 9 else digit * 2) if index % 2 else digit
            for index, digit in enumerate(reversed(digits))
        )
        if total % 10 == 0:
            return base + key
    raise AssertionError("unreachable")


def row(number: int, **cells: str) -> dict[str, str]:
    commune = factories.commune()
    values = {
        "legal_name": f"Union sportive n°{number}",
        "acronym": f"US{number}",
        "legal_form": "association",
        "siret": siret(number),
        "rna": "",
        "creation_date": "01/09/2001",
        "is_non_profit": "oui",
        "domains": "sport",
        "street": "1 rue du Stade",
        "postcode": commune.postcodes[0],
        "commune": commune.name,
        "public_name": "",
        "public_phone": "01 40 00 00 00",
        "public_email": f"contact{number}@club.example.fr",
        "website": "https://club.example.fr",
        "description": "Football pour les collégiens.",
        "contact_name": "Jeanne Durand",
        "contact_email": f"jeanne{number}@club.example.fr",
        "contact_mobile": "06 12 34 56 78",
        "representative_name": "Paul Martin",
        "representative_role": "Président",
        "representative_email": f"president{number}@club.example.fr",
        "representative_mobile": "06 87 65 43 21",
        "iban": IBAN,
        "bic": "AGRIFRPP",
        "holder": f"Union sportive n°{number}",
        "bank_validated": "oui",
        "convention_signed_on": "02/09/2024",
        "convention_version": "2024-1",
        "rib_file": "",
        "convention_file": "",
    }
    unknown = set(cells) - set(values)
    assert not unknown, unknown
    values.update(cells)
    return values


def csv_file(*rows: dict[str, Any]) -> bytes:
    """The rows under the documented headers, `;`-separated, UTF-8 (no quoting: the test
    values hold no `;`)."""
    lines = [";".join(label for label, _aliases in COLUMNS.values())]
    lines += [";".join(str(values[name]) for name in COLUMNS) for values in rows]
    return ("\n".join(lines) + "\n").encode()
