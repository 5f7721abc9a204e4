"""The `autocomplete` token of every field that asks for a name, an address, an e-mail, a
telephone number or an organisation (WCAG 1.3.5, RGAA 11.13), by field name, for every form of
the site: a form calls `autocomplete_set(self)` at the end of its `__init__`. A field that
must not be filled from the browser's memory (codes, ticket numbers, IBAN) says "off" itself."""

from __future__ import annotations

from django import forms

AUTOCOMPLETE: dict[str, str] = {
    "email": "email",
    "username": "email",  # the login is the e-mail address
    "contact_email": "email",
    "public_email": "email",
    "representative_email": "email",
    "first_name": "given-name",
    "last_name": "family-name",
    "contact_name": "name",
    "public_contact_name": "name",
    "representative_name": "name",
    "public_name": "organization",
    "legal_name": "organization",
    "acronym": "organization",
    "street": "address-line1",  # one line: street-address is for a textarea
    "postcode": "postal-code",
    "city": "address-level2",
    "contact_phone": "tel",
    "public_phone": "tel",
    "representative_mobile": "tel",
    "website": "url",
}

TELEPHONE_FIELDS = frozenset(name for name, kind in AUTOCOMPLETE.items() if kind == "tel")


def autocomplete_set(form: forms.BaseForm) -> None:
    """Give each of the form's fields named in AUTOCOMPLETE its token (a telephone field also
    becomes type=tel, which brings up the phone keypad), unless the field already has one."""
    for name, field in form.fields.items():
        token = AUTOCOMPLETE.get(name)
        if token is None:
            continue
        if name in TELEPHONE_FIELDS and isinstance(field.widget, forms.TextInput):
            field.widget.input_type = "tel"
        field.widget.attrs.setdefault("autocomplete", token)
