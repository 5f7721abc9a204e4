"""Forms of the back office: the affiliation list's filters, the reason of an action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, QuerySet

from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import BankAccount, OrganisationQuerySet
from passplus.territory.models import Commune


class OrganisationFilterForm(forms.Form):
    """The GET filters of the organisation list; every value travels in the URL."""

    q = forms.CharField(
        label="Nom, SIRET ou RNA",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        label="État",
        choices=[("", "Tous les états"), *OrganisationStatus.choices],
        required=False,
    )
    commune = forms.ModelChoiceField(
        label="Commune",
        queryset=Commune.objects.order_by("name"),
        to_field_name="insee_code",
        empty_label="Toutes les communes",
        required=False,
    )
    eligibility = forms.BooleanField(label="Éligibilité à vérifier", required=False)
    bank = forms.BooleanField(label="Coordonnées bancaires à vérifier", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].error_messages["invalid_choice"] = "Cette commune est inconnue."
        self.fields["status"].error_messages["invalid_choice"] = "Cet état est inconnu."
        self.fields["eligibility"].help_text = "Secteur marchand, justification non vérifiée."
        self.fields["bank"].help_text = "Un RIB attend la validation du département."

    def value(self, name: str) -> Any:
        """A valid filter value, or None: a wrong value in the URL filters on nothing."""
        return getattr(self, "cleaned_data", {}).get(name) or None

    def apply(
        self, queryset: OrganisationQuerySet, *, with_status: bool = True
    ) -> OrganisationQuerySet:
        """Filter `queryset`. `with_status=False` keeps every state: the counts per state
        are made with the other filters only."""
        if (text := self.value("q")) is not None:
            queryset = queryset.staff_search(text)
        if with_status and (status := self.value("status")) is not None:
            queryset = queryset.filter(status=status)
        if (commune := self.value("commune")) is not None:
            queryset = queryset.filter(commune=commune)
        if self.value("eligibility"):
            queryset = queryset.filter(is_non_profit=False, eligibility_reviewed_at__isnull=True)
        if self.value("bank"):
            queryset = queryset.filter(Exists(pending_bank_accounts()))
        return queryset


def pending_bank_accounts() -> QuerySet[BankAccount]:
    """The pending bank accounts of the organisation of the outer query."""
    return BankAccount.objects.filter(organisation=OuterRef("pk"), status=BankAccountStatus.PENDING)


IRREVERSIBLE = "Cochez la case pour confirmer : cette action ne peut pas être défaite."


def confirmation_field(label: str) -> forms.BooleanField:
    """The box ticked before an action that cannot be undone (WCAG 3.3.4, RGAA; issue 22 §7):
    one click on a button is not enough to terminate, void, reject or approve."""
    return forms.BooleanField(label=label, error_messages={"required": IRREVERSIBLE})


class ConfirmationForm(forms.Form):
    """An irreversible action that takes nothing but the confirmation."""

    def __init__(self, *args: Any, label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"] = confirmation_field(label)


class ReasonForm(forms.Form):
    """The reason typed with an action; required where the model requires one. With
    `confirm_label`, the action cannot be undone and also asks for the confirmation box."""

    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indiquez le motif."},
    )

    def __init__(
        self,
        *args: Any,
        label: str,
        required: bool = True,
        confirm_label: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.label = label
        field.required = required
        if not required:
            field.help_text = "Facultatif."
        if confirm_label:
            self.fields["confirm"] = confirmation_field(confirm_label)

    def first_error(self) -> str:
        for name in ("reason", "confirm"):
            if errors := self.errors.get(name):
                return str(errors[0])
        return "Indiquez le motif."
