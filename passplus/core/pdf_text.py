"""Text typed by people (names, addresses, holders) made safe to draw in a PDF.

reportlab's standard fonts draw a character they lack (NUL, escape, a bidi override such as
U+202E, a zero-width space) as a black square taken from ZapfDingbats, and a line break inside
a table cell starts a new line. A name is one line of visible text: `pdf_line` collapses every
run of white space (line breaks and tabs included) into one space and drops control and format
characters. Markup is not handled here: a Paragraph still needs `escape()` (see `pdf_markup`).
"""

from __future__ import annotations

import unicodedata
from xml.sax.saxutils import escape

from reportlab.pdfbase.pdfmetrics import stringWidth

from passplus.core.text import is_invisible

ELLIPSIS = "…"


def pdf_line(text: str) -> str:
    """`text` as one line of visible characters (see the module's docstring)."""
    kept = "".join(
        " " if char.isspace() else "" if is_invisible(char) else char
        for char in unicodedata.normalize("NFC", str(text))
    )
    return " ".join(kept.split())


def pdf_markup(text: str) -> str:
    """`text` as one line, escaped for reportlab's Paragraph mini-markup (`<b>`, `<font>`,
    `&amp;`... typed in a name are shown as typed, never interpreted)."""
    return escape(pdf_line(text))


def fit_width(text: str, *, font: str, size: float, width: float) -> str:
    """`text` (one line) cut with an ellipsis so that it is at most `width` points wide."""
    if stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with its ellipsis
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle].rstrip() + ELLIPSIS, font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS
