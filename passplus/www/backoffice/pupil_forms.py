"""Forms of the back office's campaign (school year) and pupil import pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings

from passplus.campaigns.models import SchoolYear
from passplus.core.money import format_cents, parse_euros
from passplus.core.request_size import megabytes

SPLIT_FIELDS = [
    "sport_standard_cents",
    "sport_scholarship_cents",
    "culture_standard_cents",
    "culture_scholarship_cents",
]


class EurosField(forms.Field):
    """An amount typed in euros ('80', '80,50'), cleaned to integer cents."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(widget=forms.TextInput, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "size": 10})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return format_cents(value).replace("\u00a0€", "").replace("\u202f", "")
        return value

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 15:
            raise forms.ValidationError("Montant invalide.")
        try:
            cents = parse_euros(text)
        except ValueError:
            raise forms.ValidationError(
                "Montant invalide : indiquez un nombre d'euros, par exemple 80 ou 80,50."
            ) from None
        if cents <= 0:
            raise forms.ValidationError("Le montant doit être supérieur à 0 €.")
        if cents > 100_000_00:
            raise forms.ValidationError("Montant trop élevé.")
        return cents


def euros_field(label: str, *, required: bool = True) -> EurosField:
    return EurosField(
        label=label, required=required, help_text="En euros, par exemple 80 ou 80,50."
    )


class SchoolYearForm(forms.ModelForm[SchoolYear]):
    standard_cents = euros_field("Crédit standard")
    scholarship_cents = euros_field("Crédit boursier")
    sport_standard_cents = euros_field("Sport : crédit standard", required=False)
    sport_scholarship_cents = euros_field("Sport : crédit boursier", required=False)
    culture_standard_cents = euros_field("Culture : crédit standard", required=False)
    culture_scholarship_cents = euros_field("Culture : crédit boursier", required=False)

    class Meta:
        model = SchoolYear
        fields = [
            "label",
            "starts_on",
            "ends_on",
            "standard_cents",
            "scholarship_cents",
            "split_domains",
            *SPLIT_FIELDS,
            "generation_deadline",
            "redemption_deadline",
        ]
        widgets = {
            name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            for name in ["starts_on", "ends_on", "generation_deadline", "redemption_deadline"]
        }
        labels = {"label": "Nom de l'année scolaire"}
        help_texts = {
            "label": "Par exemple 2026-2027.",
            "ends_on": "Dernier jour de l'année scolaire.",
            "generation_deadline": "Après cette date, les familles ne créent plus de tickets.",
            "redemption_deadline": (
                "Après cette date, les organismes ne saisissent plus de tickets ; "
                "au plus tôt la date limite de création des tickets."
            ),
        }
        error_messages = {
            "label": {"unique": "Une année scolaire porte déjà ce nom."},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_wallets = bool(self.instance.pk and self.instance.wallets.exists())
        if self.has_wallets:
            self.fields[
                "split_domains"
            ].help_text = "Des crédits existent déjà : la répartition ne peut plus changer."
            self.fields["split_domains"].disabled = True
        for name in ["starts_on", "ends_on", "generation_deadline", "redemption_deadline"]:
            self.fields[name].error_messages["invalid"] = "Date invalide (jj/mm/aaaa)."
        for field in self.fields.values():
            field.error_messages["required"] = "Ce champ est obligatoire."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        starts_on: dt.date | None = data.get("starts_on")
        ends_on: dt.date | None = data.get("ends_on")
        generation: dt.date | None = data.get("generation_deadline")
        redemption: dt.date | None = data.get("redemption_deadline")
        if starts_on and ends_on:
            if ends_on <= starts_on:
                self.add_error("ends_on", "La fin doit être après le début.")
            else:
                overlapping = SchoolYear.objects.filter(
                    starts_on__lte=ends_on, ends_on__gte=starts_on
                ).exclude(pk=self.instance.pk)
                if other := overlapping.first():
                    self.add_error("starts_on", f"Ces dates chevauchent l'année scolaire {other}.")
        if starts_on and generation and generation <= starts_on:
            self.add_error(
                "generation_deadline", "La date limite de création doit être après le début."
            )
        if ends_on and generation and generation > ends_on:
            self.add_error(
                "generation_deadline", "La date limite de création doit être avant la fin."
            )
        if generation and redemption and redemption < generation:
            self.add_error(
                "redemption_deadline",
                "La date limite de saisie ne peut pas précéder la date limite de création.",
            )
        if ends_on and redemption and redemption > ends_on.replace(year=ends_on.year + 1):
            self.add_error(
                "redemption_deadline", "La date limite de saisie est plus d'un an après la fin."
            )
        self._clean_amounts(data)
        return data

    def _clean_amounts(self, data: dict[str, Any]) -> None:
        pairs = [("standard_cents", "scholarship_cents")]
        if data.get("split_domains"):
            for name in SPLIT_FIELDS:
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, "Obligatoire quand les crédits sont séparés.")
            pairs += [
                ("sport_standard_cents", "sport_scholarship_cents"),
                ("culture_standard_cents", "culture_scholarship_cents"),
            ]
        else:
            for name in SPLIT_FIELDS:
                data[name] = None
        for standard, scholarship in pairs:
            low, high = data.get(standard), data.get(scholarship)
            if low is not None and high is not None and high < low:
                self.add_error(scholarship, "Le crédit boursier ne peut pas être inférieur.")


class ImportUploadForm(forms.Form):
    school_year = forms.ModelChoiceField(
        label="Année scolaire",
        queryset=SchoolYear.objects.all(),
        empty_label=None,
        error_messages={"invalid_choice": "Cette année scolaire est inconnue."},
    )
    file = forms.FileField(
        label="Fichier CSV",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={
            "required": "Choisissez un fichier.",
            "empty": "Le fichier est vide.",
            "invalid": "Ce n'est pas un fichier.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = SchoolYear.objects.current()
        if current:
            self.fields["school_year"].initial = current.pk
        self.fields["file"].help_text = (
            "Séparateur « ; », « , » ou tabulation, encodage UTF-8, UTF-16 ou Windows-1252, "
            f"{megabytes(settings.PASSPLUS_PUPIL_IMPORT_MAX_BYTES)} au plus."
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.PASSPLUS_PUPIL_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"Le fichier dépasse {megabytes(limit)} : découpez-le.")
        return upload
