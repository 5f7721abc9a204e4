"""The text a PDF draws, page by page, read from its content streams (reportlab's standard
fonts), so that a test reads a document as a person would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import BytesIO

from pyhanko.pdf_utils.generic import ArrayObject, DictionaryObject
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.pdfbase.pdfmetrics import stringWidth


def pdf_pages_text(pdf: bytes) -> list[str]:
    """The text drawn on each page, one line of the PDF per line (reportlab standard fonts)."""
    reader = PdfFileReader(BytesIO(pdf))
    return [_text(_page_content(page)) for page in _pages(reader.root["/Pages"])]


NEW_LINE = re.compile(rb"(?<![A-Za-z])(T\*|ET|Td|TD|Tm)(?![A-Za-z])")


def _text(content: bytes) -> str:
    """Strings shown one after another (a font change between them) are one line."""
    text = ""
    for gap, string in _strings(content):
        text += ("\n" if text and NEW_LINE.search(gap) else "") + string
    return text


def _pages(node: DictionaryObject) -> Iterator[DictionaryObject]:
    if node["/Type"] == "/Page":
        yield node
        return
    for kid in node["/Kids"]:
        yield from _pages(kid.get_object())


def _page_content(page: DictionaryObject) -> bytes:
    contents = page["/Contents"]
    streams = contents if isinstance(contents, ArrayObject) else [contents]
    return b"\n".join(stream.get_object().data for stream in streams)


ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}


def _strings(content: bytes) -> Iterator[tuple[bytes, str]]:
    """Literal (...) strings of a content stream, decoded as WinAnsi (0x7F is reportlab's •),
    each with the operators written since the previous string."""
    position = 0
    while (start := content.find(b"(", position)) != -1:
        gap = content[position:start]
        depth, index, out = 1, start + 1, bytearray()
        while depth:
            char = content[index]
            if char == 0x5C:  # backslash
                index += 1
                digits = content[index : index + 3]
                octal = len(digits) - len(digits.lstrip(b"01234567"))
                if octal:
                    out.append(int(digits[:octal], 8) & 0xFF)
                    index += octal - 1
                else:
                    out += ESCAPES.get(content[index], bytes([content[index]]))
            elif char == 0x28:
                depth += 1
                out.append(char)
            elif char == 0x29:
                depth -= 1
                if depth:
                    out.append(char)
            else:
                out.append(char)
            index += 1
        position = index
        yield gap, out.replace(b"\x7f", b"\x95").decode("cp1252", errors="replace")


def widest_line_points(pdf: bytes, *, font: str = "Helvetica", size: float = 8) -> float:
    """The width of the PDF's longest drawn line, measured in `font` at `size` points: a lower
    bound when the line is drawn larger, enough to tell a 2,000-character line from a wrapped
    one (an A4 page is 595 points wide)."""
    lines = (line for page in pdf_pages_text(pdf) for line in page.splitlines())
    return max(stringWidth(line, font, size) for line in lines)


def draws_missing_glyphs(pdf: bytes) -> bool:
    """reportlab draws a character its standard fonts lack (NUL, escape, U+202E…) as a black
    square from ZapfDingbats, a font no other text of ours uses."""
    return b"ZapfDingbats" in pdf
