from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django import forms
from django.utils import timezone

from passplus.accounts.models import User
from passplus.organisations.enums import LegalForm
from passplus.organisations.models import Organisation
from passplus.organisations.services import (
    ORGANISATION_FIELDS,
    duplicate_message,
    duplicate_of,
)
from passplus.organisations.validators import clean_french_phone, clean_rna, clean_siret
from passplus.territory.models import Commune
from passplus.www.autocomplete import autocomplete_set

DOMAINS = ("offers_sport", "offers_culture")
DOMAINS_LEGEND = "Domaines d'activité (au moins un)"
# The organisation and its contact are someone else than the correspondent who types them:
# the autocomplete tokens describe the user (WCAG 1.3.5), so these fields have none ("off"),
# or the browser would offer the correspondent's own name, address, telephone and employer.
THIRD_PARTY_FIELDS = ("legal_name", "acronym", "contact_name", "contact_email", "contact_phone")


class GroupedCheckbox(forms.CheckboxInput):
    """A box of a fieldset whose legend carries the group's error (RGAA 11.5, 11.10): Django
    then leaves the error out of the box's own aria-describedby, which the legend already
    gives to every box of the group."""

    use_fieldset = True


class IdentificationFormForm(forms.ModelForm[Organisation]):
    """The identification form a correspondent types in for an organisation of their commune."""

    # The two domains are one group (templates/correspondent/register.html): the summary names
    # an error of the group by its legend, which states the rule before sending.
    field_groups: ClassVar[dict[str, str]] = dict.fromkeys(DOMAINS, DOMAINS_LEGEND)
    domains_legend = DOMAINS_LEGEND
    # Required or not depending on the legal form (see clean): the label says when, and
    # "(facultatif)" is not added.
    conditionally_required: ClassVar[frozenset[str]] = frozenset({"siret", "rna"})

    siret = forms.CharField(
        label="SIRET (obligatoire sauf pour une association)",
        max_length=30,
        required=False,
        help_text="14 chiffres.",
    )
    rna = forms.CharField(
        label="Numéro RNA (obligatoire pour une association)",
        max_length=20,
        required=False,
        help_text="W suivi de 9 caractères.",
    )
    contact_name = forms.CharField(label="Personne à contacter", max_length=150)
    contact_email = forms.EmailField(
        label="E-mail du contact",
        help_text="L'invitation à signer la convention est envoyée à cette adresse.",
    )
    contact_phone = forms.CharField(label="Téléphone du contact", max_length=30, required=False)

    class Meta:
        model = Organisation
        fields = list(ORGANISATION_FIELDS)  # what organisation_register copies from it
        labels = {
            "offers_sport": "Activités sportives",
            "offers_culture": "Activités culturelles",
            "description": "Description courte des activités",
        }
        help_texts = {
            "creation_date": "Au format jj/mm/aaaa.",
        }
        widgets = {
            "legal_form": forms.RadioSelect,
            "creation_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "offers_sport": GroupedCheckbox,
            "offers_culture": GroupedCheckbox,
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        communes = Commune.objects.filter(correspondents=user)
        commune_field = self.fields["commune"]
        assert isinstance(commune_field, forms.ModelChoiceField)
        commune_field.queryset = communes
        commune_field.label = "Commune où se déroule l'activité"
        commune_field.error_messages["invalid_choice"] = (
            "Choisissez l'une de vos communes : un organisme est enregistré par le "
            "correspondant de la commune de son activité."
        )
        if communes.count() == 1:
            commune_field.initial = communes.first()
        self.fields["legal_form"].choices = LegalForm.choices  # type: ignore[attr-defined]
        self.fields["description"].required = True
        for name in THIRD_PARTY_FIELDS:
            self.fields[name].widget.attrs["autocomplete"] = "off"
        autocomplete_set(self)

    def clean_siret(self) -> str:
        value = self.cleaned_data.get("siret", "")
        return clean_siret(value) if value.strip() else ""

    def clean_rna(self) -> str:
        value = self.cleaned_data.get("rna", "")
        return clean_rna(value) if value.strip() else ""

    def clean_creation_date(self) -> date:
        value: date = self.cleaned_data["creation_date"]
        if value > timezone.localdate():
            raise forms.ValidationError("La date de création ne peut pas être dans le futur.")
        if value.year < 1800:
            raise forms.ValidationError("Vérifiez l'année de création.")
        return value

    def clean_contact_phone(self) -> str:
        value = self.cleaned_data.get("contact_phone", "")
        return clean_french_phone(value) if value.strip() else ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        legal_form = data.get("legal_form")
        if legal_form == LegalForm.ASSOCIATION and "rna" in data and not data["rna"]:
            self.add_error("rna", "Le numéro RNA est obligatoire pour une association.")
        needs_siret = legal_form and legal_form != LegalForm.ASSOCIATION
        if needs_siret and "siret" in data and not data["siret"]:
            self.add_error("siret", "Le SIRET est obligatoire pour cette forme juridique.")
        if not (data.get("offers_sport") or data.get("offers_culture")):
            self.add_error(  # on the group's first box, which the summary leads to
                "offers_sport", "Cochez au moins un domaine : activités sportives ou culturelles."
            )
        existing = duplicate_of(siret=data.get("siret", ""), rna=data.get("rna", ""))
        if existing:
            field = "siret" if data.get("siret") and existing.siret == data["siret"] else "rna"
            self.add_error(field, duplicate_message(existing))
        return data

    def validate_unique(self) -> None:
        """Duplicates get the message naming the organisation (see clean), not Django's."""


class PublicContactForm(forms.ModelForm[User]):
    """The address a correspondent chooses to publish in the directory (their login stays
    private)."""

    class Meta:
        model = User
        fields = ["public_email"]
        widgets = {"public_email": forms.EmailInput(attrs={"autocomplete": "email"})}

    def clean_public_email(self) -> str:
        return str(self.cleaned_data.get("public_email", "")).strip().lower()
