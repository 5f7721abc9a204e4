"""CSV files that open correctly in French Excel, streamed row by row (constant memory).

UTF-8 with a BOM (Excel then reads the accents), `;` as separator, decimal comma, dates
dd/mm/yyyy, and every cell that starts with = + - @ (or a tab / carriage return) neutralised
with a leading apostrophe so that Excel never evaluates it as a formula (CSV injection).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, Left, LPad, Substr, TruncDate
from django.db.models.lookups import In
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

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


# The same cells computed by the database, for large exports: rows then come out of the cursor
# ready to write (no model instances, no per-cell Python), as fast as the database can send them.


def excel_text(expression: Any) -> Case:
    """Text, '' for NULL, with a leading apostrophe where Excel would read a formula."""
    value = Coalesce(expression, Value(""), output_field=CharField())
    return Case(
        When(In(Left(value, 1), list(FORMULA_PREFIXES)), then=Concat(Value("'"), value)),
        default=value,
        output_field=CharField(),
    )


def excel_day(field: str) -> Case:
    """A date-time field as its dd/mm/yyyy day in the site's time zone, '' for NULL."""
    iso = Cast(TruncDate(field, tzinfo=ZoneInfo(settings.TIME_ZONE)), output_field=CharField())
    return Case(
        When(**{f"{field}__isnull": True}, then=Value("")),
        default=Concat(
            Substr(iso, 9, 2), Value("/"), Substr(iso, 6, 2), Value("/"), Substr(iso, 1, 4)
        ),
        output_field=CharField(),
    )


def excel_euros(field: str) -> Concat:
    """Integer cents as euros with a decimal comma: 2050 -> '20,50' (amounts are positive)."""
    return Concat(
        Cast(F(field) / 100, output_field=CharField()),
        Value(","),
        # Integer arithmetic on purpose: MOD() gives a float on SQLite.
        LPad(Cast(F(field) - F(field) / 100 * 100, output_field=CharField()), 2, Value("0")),
        output_field=CharField(),
    )


def excel_label(field: str, choices: Iterable[tuple[str, str]]) -> Case:
    """A choices field as its French label."""
    return Case(
        *(When(**{field: value}, then=Value(str(label))) for value, label in choices),
        default=F(field),
        output_field=CharField(),
    )


def csv_lines(
    header: Iterable[str],
    rows: Iterable[Iterable[str]],
    batch: int = 1000,
    lineterminator: str = "\r\n",
) -> Iterator[str]:
    """The file in pieces of `batch` lines: few, large writes for the server, flat memory."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator=lineterminator
    )
    writer.writerow([neutralise(name) for name in header])
    yield "\ufeff" + buffer.getvalue()
    for chunk in itertools.batched(rows, batch):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(chunk)
        yield buffer.getvalue()


def queryset_csv(header: Iterable[str], rows: QuerySet[Any, Any]) -> Iterator[str | bytes]:
    """A values_list queryset whose cells are ready (see excel_*) as CSV, streamed.

    On PostgreSQL the database writes the CSV itself (COPY … TO STDOUT, read block by block):
    the same query, the same quoting rules, at the database's own speed. Elsewhere csv.writer
    over a server-side iterator. Lines end with LF on PostgreSQL (COPY's only choice; Excel
    reads both), CRLF elsewhere.
    """
    if connection.vendor != "postgresql":
        yield from csv_lines(header, rows.iterator(chunk_size=5000))
        return
    yield from csv_lines(header, [], lineterminator="\n")
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, DELIMITER ';')"
        with cursor.cursor.copy(copy_sql, params) as copy:
            for block in copy:
                yield bytes(block)


def csv_response(
    filename: str, header: Iterable[str], rows: QuerySet[Any, Any]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        queryset_csv(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


EURO_FORMAT = '#,##0.00\\ "€"'
DAY_FORMAT = "DD/MM/YYYY"


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """Numbers stay numbers (Decimal: euros, with a euro format), days are dates, text is
    neutralised: openpyxl would store a string starting with "=" as a formula."""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = EURO_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DAY_FORMAT
        return cell
    return value


def xlsx_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> FileResponse:
    """The rows as an Excel workbook (openpyxl write-only mode: rows are written to a temporary
    file as they come, so memory stays flat). Cells keep their types (see xlsx_cell)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Remboursements")
    sheet.append(header)
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
