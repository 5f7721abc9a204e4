from django import template

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
