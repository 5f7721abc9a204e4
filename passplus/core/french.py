"""French for counts printed to people: "0 ligne", "1 ligne", "2 lignes", "1 000 lignes".

French puts 0 and 1 in the singular and 2 and more in the plural (CLDR's "one" category for fr
is i = 0 or 1). Django's `pluralize` and `ngettext` without a catalog follow English (n != 1),
which gives "0 lignes"; see docs/decisions.md.
"""

from __future__ import annotations

INVARIABLE_ENDINGS = ("s", "x", "z")


def format_number(n: int) -> str:
    """Format 1000 as '1 000' (French grouping with a narrow no-break space, U+202F)."""
    return f"{int(n):,}".replace(",", "\u202f")


def is_plural(n: int) -> bool:
    """True when a count of `n` takes the plural in French: 2 and more (the sign is ignored)."""
    return abs(n) >= 2


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """`singular` or its plural for a count of `n`. Without `plural_form`, the plural adds an
    "s", except after s, x or z ("mois", "prix"); a phrase or an irregular word needs its
    plural given ("ligne en erreur", "lignes en erreur")."""
    if not is_plural(n):
        return singular
    if plural_form is not None:
        return plural_form
    return singular if singular.endswith(INVARIABLE_ENDINGS) else singular + "s"


def counted(n: int, singular: str, plural_form: str | None = None) -> str:
    """The count and the word agreed with it: counted(2, "ligne") -> '2 lignes'."""
    return f"{format_number(n)} {plural(n, singular, plural_form)}"
