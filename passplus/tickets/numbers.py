"""Ticket numbers: 12 digits, random, the last two an ISO 7064 MOD 97-10 check.

A mistyped number (any single wrong digit, any swap of two adjacent digits) fails the check,
so the entry form rejects it before any database lookup.
"""

import re
import secrets

from stdnum.iso7064 import mod_97_10

TICKET_NUMBER_LENGTH = 12
_SEPARATORS = re.compile(r"[\s.\-]")


def generate_ticket_number() -> str:
    """A random number (never sequential), first digit non-zero, with its check digits."""
    body = str(secrets.randbelow(9 * 10**9) + 10**9)
    return body + mod_97_10.calc_check_digits(body)


def normalise_ticket_number(text: str) -> str:
    """Remove the spaces, dots and dashes people type or copy ('1234 5678 9012')."""
    return _SEPARATORS.sub("", text or "")


def is_valid_ticket_number(text: str) -> bool:
    number = normalise_ticket_number(text)
    return (
        len(number) == TICKET_NUMBER_LENGTH
        and number.isascii()
        and number.isdigit()
        and mod_97_10.is_valid(number)
    )


def format_ticket_number(number: str) -> str:
    """'123456789012' -> '1234 5678 9012' (how it is printed)."""
    number = normalise_ticket_number(number)
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
