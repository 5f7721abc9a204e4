"""Forms of ticket entry: the look-up (number + birth date), the confirmation, bulk entry."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from passplus.organisations.models import Activity
from passplus.tickets.numbers import (
    TICKET_NUMBER_LENGTH,
    is_valid_ticket_number,
    normalise_ticket_number,
)

WRONG_DIGIT = (
    "Numéro de ticket invalide : un chiffre est probablement mal saisi (ou deux chiffres "
    "inversés). Relisez le numéro imprimé sur le ticket, chiffre par chiffre."
)
USED_ELSEWHERE_ADVICE = (
    "Dites à la famille de regarder son espace famille : il indique où et quand ce ticket a été "
    "utilisé. Si elle ne reconnaît pas cette utilisation, elle peut contacter le Département."
)
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d%m%Y"]
OLDEST_PUPIL_YEARS = 25


def clean_number(value: str) -> str:
    """The number without separators; the message says what to check: the count of digits, the
    characters, or (12 digits whose check fails) a digit probably mistyped."""
    if is_valid_ticket_number(value or ""):
        return normalise_ticket_number(value)
    number = normalise_ticket_number(value or "")
    if not (number.isascii() and number.isdigit()):
        message = "Numéro de ticket invalide : il ne contient que des chiffres (12 chiffres)."
    elif len(number) != TICKET_NUMBER_LENGTH:
        message = (
            f"Numéro de ticket invalide : {len(number)} chiffres saisis, il en faut "
            f"{TICKET_NUMBER_LENGTH}. Vérifiez qu'aucun chiffre ne manque ou n'est en trop."
        )
    else:
        message = WRONG_DIGIT
    raise ValidationError(message, code="invalid_number")


def clean_birth_date(value: dt.date) -> dt.date:
    today = timezone.localdate()
    if value > today:
        raise ValidationError("La date de naissance ne peut pas être dans le futur.")
    if value < today.replace(year=today.year - OLDEST_PUPIL_YEARS):
        raise ValidationError("Vérifiez l'année de naissance : c'est celle d'un collégien.")
    return value


class TicketLookupForm(forms.Form):
    number = forms.CharField(
        label="Numéro du ticket",
        max_length=30,
        help_text="12 chiffres, imprimés sur le ticket (les espaces sont acceptés).",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    birth_date = forms.DateField(
        label="Date de naissance de l'enfant",
        input_formats=DATE_FORMATS,
        help_text="Demandez-la à l'enfant ou à sa famille : elle n'est pas imprimée.",
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Date invalide : saisissez-la au format jj/mm/aaaa."},
    )

    def clean_number(self) -> str:
        return clean_number(self.cleaned_data["number"])

    def clean_birth_date(self) -> dt.date:
        return clean_birth_date(self.cleaned_data["birth_date"])


class ConfirmForm(forms.Form):
    activity: forms.ModelChoiceField[Activity] = forms.ModelChoiceField(
        label="Activité concernée",
        queryset=None,  # set per organisation and ticket
        required=False,
        empty_label="Non précisée",
    )

    def __init__(self, *args: Any, activities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["activity"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = activities
        field.error_messages["invalid_choice"] = "Choisissez l'une de vos activités."
        only = list(activities[:2])
        if len(only) == 1:
            # One activity: chosen for the treasurer, sent by a hidden field (nothing to pick).
            field.initial = only[0].pk
            field.widget = forms.HiddenInput()


@dataclass
class BulkLine:
    line_number: int
    raw: str
    number: str = ""
    birth_date: dt.date | None = None
    error: str = ""


_SPLIT = re.compile(r"[;,\t]")


def parse_bulk_lines(text: str) -> list[BulkLine]:
    """ "number; birth date" per line (`;`, `,` or a tab between them); blank lines skipped."""
    lines = []
    for index, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        line = BulkLine(line_number=index, raw=raw.strip()[:80])
        parts = [part.strip() for part in _SPLIT.split(raw) if part.strip()]
        if len(parts) != 2:
            line.error = "Ligne attendue : numéro ; date de naissance."
        else:
            try:
                line.number = clean_number(parts[0])
                line.birth_date = clean_birth_date(_parse_date(parts[1]))
            except ValidationError as error:
                line.error = " ".join(error.messages)
        lines.append(line)
    return lines


def _parse_date(value: str) -> dt.date:
    for date_format in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, date_format).date()
        except ValueError:
            continue
    raise ValidationError("Date invalide : saisissez-la au format jj/mm/aaaa.")


class BulkEntryForm(forms.Form):
    MAX_BYTES = 64 * 1024

    lines = forms.CharField(
        label="Tickets à saisir",
        required=False,
        max_length=MAX_BYTES,
        error_messages={"max_length": "Ce texte est trop long pour une saisie groupée."},
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text="Une ligne par ticket : numéro ; date de naissance (jj/mm/aaaa). "
        "Par exemple : 1234 5678 9012 ; 14/03/2013",
    )
    file = forms.FileField(
        label="Ou un fichier texte ou CSV (mêmes lignes)",
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.has_error("lines"):
            return data
        text = data.get("lines") or ""
        upload = data.get("file")
        if upload:
            if upload.size and upload.size > self.MAX_BYTES:
                raise ValidationError("Ce fichier est trop volumineux pour une saisie groupée.")
            raw = upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
        if len(text) > self.MAX_BYTES:
            raise ValidationError("Ce texte est trop long pour une saisie groupée.")
        lines = parse_bulk_lines(text)
        limit = settings.PASSPLUS_BULK_ENTRY_MAX_LINES
        if not lines:
            raise ValidationError("Collez au moins une ligne « numéro ; date de naissance ».")
        if len(lines) > limit:
            raise ValidationError(
                f"{len(lines)} lignes : une saisie groupée en accepte {limit} au plus. "
                "Découpez la liste."
            )
        data["parsed"] = lines
        return data
