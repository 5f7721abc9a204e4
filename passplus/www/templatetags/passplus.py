import datetime as dt
from collections.abc import Sized
from typing import Any

from django import template

from passplus.core.french import counted, is_plural
from passplus.core.money import format_cents
from passplus.organisations.validators import display_phone
from passplus.tickets.numbers import format_ticket_number

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """{{ wallet.granted_cents|euros }} -> '80,00 €'."""
    return format_cents(cents)


@register.filter
def ticket_number(number: str) -> str:
    """{{ ticket.number|ticket_number }} -> '1234 5678 9012'."""
    return format_ticket_number(number)


@register.filter
def phone(e164: str) -> str:
    """{{ organisation.public_phone|phone }} -> '01 23 45 67 89'."""
    return display_phone(e164) if e164 else ""


@register.filter
def minutes(duration: dt.timedelta | None) -> int:
    """A duration in whole minutes (rounded up): timedelta(seconds=61) -> 2."""
    if duration is None:
        return 0
    return -(-int(duration.total_seconds()) // 60)


@register.filter
def iban(value: str) -> str:
    """The whole IBAN in groups of four, as printed on a RIB (only where it must be checked)."""
    compact = "".join(value.split())
    return " ".join(compact[index : index + 4] for index in range(0, len(compact), 4))


def _count(value: Any) -> int | None:
    """A count from an int, a numeric string or a sized object (as Django's pluralize takes)."""
    if isinstance(value, Sized) and not isinstance(value, str):
        return len(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@register.filter
def pluriel(value: Any, suffixes: str = "s") -> str:
    """French `pluralize` (0 and 1 singular): {{ n|pluriel }} -> '' or 's';
    {{ n|pluriel:"al,aux" }} -> 'al' or 'aux'. Anything not countable gives ''."""
    singular, _comma, plural_suffix = suffixes.rpartition(",")
    count = _count(value)
    if count is None:
        return ""
    return plural_suffix if is_plural(count) else singular


@register.filter
def compte(value: Any, words: str) -> str:
    """The count followed by the agreed word: {{ n|compte:"ligne" }} -> '2 lignes';
    {{ n|compte:"ligne en erreur,lignes en erreur" }} for a phrase or an irregular plural."""
    count = _count(value)
    if count is None:
        return ""
    singular, _comma, plural_form = words.partition(",")
    return counted(count, singular, plural_form or None)
