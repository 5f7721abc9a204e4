"""Characters a person cannot see in typed text: control characters (NUL, escape, tab, line
breaks), format characters (bidi overrides such as U+202E, zero-width spaces, the soft hyphen),
surrogates, private-use and unassigned code points. A name holding one is refused on import
and cleaned before it is drawn in a PDF (`core.pdf_text`)."""

from __future__ import annotations

import unicodedata

INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def is_invisible(char: str) -> bool:
    return unicodedata.category(char) in INVISIBLE_CATEGORIES


def first_invisible(text: str) -> int | None:
    """The 1-based position of the first invisible character of `text`, None if it has none."""
    return next((index for index, char in enumerate(text, start=1) if is_invisible(char)), None)
