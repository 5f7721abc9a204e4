"""What a download link says about its file (RGAA 13.3, issue 22 §10): its format and its size,
"PDF, 18 Ko". A stored file (signed convention, RIB, SEPA file) and a file cheap to build (a
chart's CSV, the blank identification form) give their exact size; a file built on request
from a number of rows (an export, a remittance advice, a ticket) gives an estimate, "environ
120 Ko", from the bytes a row takes (the constants below). Both are held to the size served by
tests/www/test_downloads.py, for every announced download of each role's pages: an exact size
is the served size written the same way ("within rounding"), an estimate within one Ko or 15 %
of it (a row's bytes vary with its names and addresses)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.db.models.fields.files import FieldFile

from passplus.organisations.documents import blank_identification_form_pdf

# Bytes of a file built on request: a fixed part, then each row. Measured on the demo data and
# on the files of tests/www/test_downloads.py, which holds every announced size to the size
# served: the exact ones written the same way, the estimates within one Ko or 15 % (issue 32: a
# remittance advice announced « environ 4 Ko » weighed 2,3 Ko, reportlab compresses its pages).
TICKET_PDF_BYTES = 6_400  # 6,0 to 6,4 Ko, by the names and the QR code
PAYMENT_ADVICE_BASE_BYTES = 2_150  # one ticket: 2,2 Ko; 40: 4,3 Ko; 150: 10,1 Ko
PAYMENT_ADVICE_ROW_BYTES = 55
DIRECTORY_CSV_ROW_BYTES = 425  # 390 to 470 a partner, by its names, address and activities
REDEMPTIONS_CSV_ROW_BYTES = 60
SEPA_BASE_BYTES = 1_500
SEPA_TRANSFER_BYTES = 350
DIRECTORY_JSON_ROW_BYTES = 880  # 820 to 960 a partner
XLSX_BASE_BYTES = 5_100
REDEMPTIONS_XLSX_ROW_BYTES = 40


@dataclass(frozen=True)
class FileSize:
    kind: str  # "PDF", "CSV", "XML", "JPEG"…
    size: int  # bytes
    approximate: bool = False

    def __str__(self) -> str:
        return f"{self.kind}, {'environ ' if self.approximate else ''}{size_label(self.size)}"


def size_label(size: int) -> str:
    """French units of 1,024 bytes: "18 Ko", "1,2 Mo" (never "0 Ko")."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} Ko"
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")


def stored(kind: str, file: FieldFile) -> FileSize | None:
    """The exact size of a stored file (None when there is none, or it is missing)."""
    if not file:
        return None
    try:
        return FileSize(kind, file.size)
    except OSError:
        return None


def estimated(kind: str, rows: int, row_bytes: int, base_bytes: int = 200) -> FileSize:
    return FileSize(kind, base_bytes + rows * row_bytes, approximate=True)


@lru_cache(maxsize=1)
def identification_form_size() -> FileSize:
    """The blank identification form is the same file for everyone: built once per process."""
    return FileSize("PDF", len(blank_identification_form_pdf()))
