"""CSV files that open correctly in French Excel, streamed row by row (constant memory).

UTF-8 with a BOM (Excel then reads the accents), `;` as separator, decimal comma, dates
dd/mm/yyyy, and every cell that starts with = + - @ (or a tab / carriage return) neutralised
with a leading apostrophe so that Excel never evaluates it as a formula (CSV injection).
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def cell(value: Any) -> str:
    """One value as French Excel expects it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%d/%m/%Y}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return neutralise(str(value))


def euros_cell(cents: int | None) -> str:
    """2050 -> '20,50' (a number for Excel, decimal comma, no currency sign)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


class _Line:
    """A file-like object whose write() returns what it is given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[str]]) -> Iterator[str]:
    writer = csv.writer(_Line(), delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([neutralise(name) for name in header])
    for row in rows:
        yield writer.writerow(row)


def csv_response(
    filename: str, header: Iterable[str], rows: Iterable[Iterable[str]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_response(filename: str, header: list[str], rows: Iterable[Iterable[str]]) -> FileResponse:
    """The same rows as an Excel workbook (openpyxl write-only mode: rows are written to a
    temporary file as they come, so memory stays flat). Cells are text, neutralised."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Remboursements")
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
