"""Names an outsider types to break a document: reportlab markup, control characters, a bidi
override, line breaks, 2,000 characters. Each comes with the text a reader must see instead."""

from __future__ import annotations

# reportlab's Paragraph mini-markup (and HTML): must be shown as typed, never interpreted.
MARKUP = '<b>Gras</b> <font color="red" size="40">Rouge</font> <a href="javascript:x()">lien</a> &amp; <br/> <img src="x"/>'  # noqa: E501
# NUL, escape (a terminal colour), a right-to-left override, a zero-width space, CRLF, a tab.
CONTROL = "Club\x00 Nul\x1b[31m Échap \u202eesreveR\u200b\r\nLigne\tdeux"
CONTROL_SHOWN = "Club Nul[31m Échap esreveR Ligne deux"
# 2,000 characters: words, then one run with no space to break at.
LONG = ("Association Wagram " * 80 + "W" * 2000)[:2000]


def one_line(text: str) -> str:
    """A PDF's text with its line breaks (wrapping) read as spaces."""
    return " ".join(text.split())
