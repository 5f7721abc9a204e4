"""Money is integer cents everywhere; these helpers only format and parse for humans."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from passplus.core.french import format_number

_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def format_cents(cents: int | None) -> str:
    """Format 8000 as '80,00 €' (French grouping with a narrow no-break space)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{format_number(euros)},{rest:02d}\u00a0€"


def parse_euros(text: str) -> int:
    """Parse '80', '80,5' or '80.50' into cents; raise ValueError on anything else."""
    cleaned = text.strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    cleaned = cleaned.removesuffix("€").replace(",", ".")
    # Plain decimal notation only: Decimal would also take "1e3", "NaN", "Infinity" or
    # non-Latin digits, which are not amounts people type.
    if not _AMOUNT.fullmatch(cleaned):
        raise ValueError(f"Montant invalide : {text!r}")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"Montant invalide : {text!r}") from exc
    if value != value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        raise ValueError(f"Montant invalide (au plus deux décimales) : {text!r}")
    return int(value * 100)
