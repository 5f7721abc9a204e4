"""Forms of the convention wizard's steps (the contact and bank forms also serve "Mon compte");
the SMS code's form is in sms_code.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from passplus.organisations.models import Organisation
from passplus.organisations.signing import CONTACT_STEP_FIELDS
from passplus.organisations.validators import (
    BankDetails,
    clean_bank_details,
    clean_french_mobile,
    clean_french_phone,
    display_phone,
    validate_rib_document,
)
from passplus.territory.models import Commune
from passplus.www.autocomplete import autocomplete_set

YES_NO_PROFIT = [
    ("yes", "Oui : association, structure publique ou autre organisme à but non lucratif"),
    ("no", "Non : entreprise du secteur marchand"),
]


class EligibilityForm(forms.Form):
    non_profit = forms.ChoiceField(
        label="Votre organisme est-il à but non lucratif ?",
        choices=YES_NO_PROFIT,
        widget=forms.RadioSelect,
    )
    justification = forms.CharField(
        label="Pour le secteur marchand : en quoi vos activités sont-elles liées aux programmes "
        "de la 6e à la 3e ?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Votre réponse est vérifiée par le département.",
    )
    secularism = forms.BooleanField(
        label="Je déclare que l'organisme respecte le principe de laïcité.",
        error_messages={"required": "Cette déclaration est obligatoire pour adhérer."},
    )
    equal_access = forms.BooleanField(
        label="Je déclare que l'organisme garantit l'égal accès des filles et des garçons "
        "à ses activités.",
        error_messages={"required": "Cette déclaration est obligatoire pour adhérer."},
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("non_profit") == "no" and not data.get("justification", "").strip():
            self.add_error(
                "justification",
                "Expliquez le lien de vos activités avec les programmes scolaires du collège.",
            )
        organisation = self.organisation
        if not organisation.is_old_enough():
            raise ValidationError(
                f"Votre organisme a été créé le {organisation.creation_date:%d/%m/%Y} : il doit "
                "avoir au moins deux ans d'existence à la date de signature. Il pourra adhérer "
                f"à partir du {organisation.eligible_from:%d/%m/%Y}.",
                code="too_young",
            )
        return data


class ContactForm(forms.ModelForm[Organisation]):
    class Meta:
        model = Organisation
        fields = list(CONTACT_STEP_FIELDS)
        labels = {
            "public_name": "Nom affiché dans l'annuaire",
            "street": "Adresse (numéro et rue)",
            "public_contact_name": "Nom du contact affiché dans l'annuaire",
            "public_phone": "Téléphone affiché dans l'annuaire",
            "public_email": "E-mail affiché dans l'annuaire",
            "representative_name": "Nom et prénom du représentant légal",
            "representative_role": "Qualité du représentant légal (président, maire…)",
            "representative_email": "E-mail du représentant légal",
            "representative_mobile": "Portable du représentant légal",
        }
        help_texts = {
            "representative_mobile": "Le code de signature lui est envoyé par SMS.",
            "website": "Facultatif, par exemple https://www.monclub.fr",
        }

    public_phone = forms.CharField(label="Téléphone affiché dans l'annuaire", max_length=30)
    representative_mobile = forms.CharField(
        label="Portable du représentant légal",
        max_length=30,
        help_text="Le code de signature lui est envoyé par SMS.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.fields:
            if name != "website":
                self.fields[name].required = True
        autocomplete_set(self)
        self.fields["postcode"].widget.attrs["inputmode"] = "numeric"
        if self.instance.representative_mobile and not self.is_bound:
            self.initial["representative_mobile"] = display_phone(
                self.instance.representative_mobile
            )
            self.initial["public_phone"] = display_phone(self.instance.public_phone)

    def clean_postcode(self) -> str:
        value = "".join(self.cleaned_data["postcode"].split())
        territory = {code for commune in Commune.objects.all() for code in commune.postcodes}
        if value not in territory:
            raise ValidationError(
                "Ce code postal n'est pas dans le territoire du dispositif : l'adresse de "
                "l'activité doit être dans l'une de ses communes."
            )
        return value

    def clean_public_phone(self) -> str:
        return clean_french_phone(self.cleaned_data["public_phone"])

    def clean_representative_mobile(self) -> str:
        return clean_french_mobile(self.cleaned_data["representative_mobile"])


class BankForm(forms.Form):
    holder = forms.CharField(label="Titulaire du compte", max_length=140)
    iban = forms.CharField(
        label="IBAN",
        max_length=50,
        help_text="27 caractères pour un compte français, commençant par FR76.",
    )
    bic = forms.CharField(
        label="BIC",
        max_length=20,
        required=False,
        help_text="Facultatif quand il se déduit de l'IBAN (la plupart des banques françaises).",
    )
    rib_document = forms.FileField(
        label="RIB (PDF, JPEG ou PNG, 5 Mo au plus)",
        error_messages={"required": "Joignez votre RIB (PDF, JPEG ou PNG)."},
    )

    def __init__(self, *args: Any, rib_on_file_for: str = "", **kwargs: Any) -> None:
        """`rib_on_file_for`: the IBAN whose RIB is already stored ('' when none). The file is
        required — marked and announced so (RGAA 11.10) — unless one is; a RIB on file stands
        only for its own IBAN."""
        super().__init__(*args, **kwargs)
        self.rib_on_file_for = rib_on_file_for
        self.details: BankDetails | None = None
        rib = self.fields["rib_document"]
        rib.widget = forms.FileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        )
        rib.required = not rib_on_file_for
        if rib_on_file_for:
            rib.help_text = (
                f"Un RIB est déjà enregistré pour l'IBAN se terminant par {rib_on_file_for[-4:]} "
                ": joignez un fichier seulement pour le remplacer ou si vous changez d'IBAN."
            )
        self.fields["iban"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_rib_document(self) -> Any:
        upload = self.cleaned_data.get("rib_document")
        if upload:
            validate_rib_document(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("iban"):
            try:
                self.details = clean_bank_details(data["iban"], data.get("bic", ""))
            except ValidationError as error:
                self.add_error(None, error)
        on_file = self.rib_on_file_for
        new_iban = self.details is not None and self.details.iban != on_file
        if on_file and new_iban and "rib_document" in data and not data["rib_document"]:
            self.add_error(
                "rib_document",
                "Joignez le RIB de ce compte (PDF, JPEG ou PNG) : le RIB enregistré est celui "
                f"de l'IBAN se terminant par {on_file[-4:]}.",
            )
        return data


class ConditionsForm(forms.Form):
    accept_rules = forms.BooleanField(
        error_messages={"required": "Acceptez le règlement du dispositif pour continuer."},
    )
    accept_terms = forms.BooleanField(
        error_messages={
            "required": "Acceptez les conditions générales de la convention pour continuer."
        },
    )

    def __init__(self, *args: Any, version_url: str, version_label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accept_rules"].label = format_html(
            'J\'accepte le <a href="{}#reglement">règlement du dispositif</a> (version {}).',
            version_url,
            version_label,
        )
        self.fields["accept_terms"].label = format_html(
            'J\'accepte les <a href="{}#conditions">conditions générales de la convention</a> '
            "(version {}).",
            version_url,
            version_label,
        )
