"""Privacy masks: enough of a phone number, an e-mail address or an IBAN for its owner to
recognise it, not enough for anyone else to use it."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """+33612345678 -> +33 6 •• •• •• 78: enough to recognise one's own number."""
    if len(phone) < 6:
        return "•" * len(phone)
    return f"{phone[:3]} {phone[3]} •• •• •• {phone[-2:]}"


def mask_email(email: str) -> str:
    """jeanne.martin@club.fr -> j•••@club.fr"""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def mask_iban(iban: str) -> str:
    """FR7630006000011234567890189 -> FR•• •••• •••• •••• •••• ••01 89: the country and the
    last 4 characters."""
    if len(iban) < 8:
        return "•" * len(iban)
    return f"{iban[:2]}•• •••• •••• •••• •••• ••{iban[-4:-2]} {iban[-2:]}"
