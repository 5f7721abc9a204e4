"""Forms of the partner's account space: account creation (from an affiliation or a member
invitation), public profile, activities, members."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory

from passplus.accounts.models import User
from passplus.core.enums import Domain
from passplus.organisations.models import Activity, Organisation
from passplus.organisations.profile import ACTIVITY_FIELDS, PUBLIC_FIELDS, ActivityChange
from passplus.organisations.validators import display_phone
from passplus.www.partner.wizard_forms import ContactForm


class AccountCreationForm(forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Au moins 10 caractères, pas uniquement des chiffres, ni trop courant.",
    )
    password2 = forms.CharField(
        label="Confirmez le mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "Les deux mots de passe ne correspondent pas.")
        elif first:
            probe = User(
                email=self.email,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class ProfileForm(ContactForm):
    """The public card, with the wizard's checks (territory postcode, French phone).

    The legal identity and the legal representative are not here: the representative's mobile
    confirms bank-detail changes, so changing it goes through the département.
    """

    representative_mobile = None  # type: ignore[assignment]

    class Meta(ContactForm.Meta):
        fields = list(PUBLIC_FIELDS)
        labels = {
            **ContactForm.Meta.labels,
            "description": "Présentation de l'organisme",
            "listed_in_directory": "Figurer dans l'annuaire public des partenaires",
        }
        help_texts = {
            "website": "Facultatif, par exemple https://www.monclub.fr",
            "description": "Quelques lignes pour les familles : public, horaires, esprit…",
            "listed_in_directory": "Décochez pour ne plus apparaître dans l'annuaire ; vous "
            "pouvez toujours recevoir des tickets.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["description"].required = False
        self.fields["listed_in_directory"].required = False
        if not self.is_bound and self.instance.public_phone:
            self.initial["public_phone"] = display_phone(self.instance.public_phone)


class ActivityForm(forms.ModelForm[Activity]):
    class Meta:
        model = Activity
        fields = list(ACTIVITY_FIELDS)
        labels = {
            "name": "Nom de l'activité",
            "activity_type": "Type d'activité (football, danse, musique…)",
            "place": "Lieu",
            "min_age": "Âge minimum",
            "max_age": "Âge maximum",
            "description": "Description",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = set(organisation.domains)
        domain = self.fields["domain"]
        assert isinstance(domain, forms.ChoiceField)
        domain.choices = [(value, label) for value, label in Domain.choices if value in offered]
        if self.instance.pk is None and domain.choices:
            # A select without a blank option always sends its first choice: as the initial
            # value, it leaves the blank "new activity" unchanged, so nothing is required of it.
            domain.initial = next(iter(domain.choices))[0]
        for name in ("min_age", "max_age"):
            self.fields[name].widget.attrs.update({"min": 3, "max": 99, "inputmode": "numeric"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error("max_age", "L'âge maximum doit être supérieur ou égal à l'âge minimum.")
        for name in ("min_age", "max_age"):
            value = data.get(name)
            if value is not None and not 3 <= value <= 99:
                self.add_error(name, "Indiquez un âge entre 3 et 99 ans.")
        return data


class BaseActivityFormSet(BaseInlineFormSet[Activity, Organisation, ActivityForm]):
    def clean(self) -> None:
        super().clean()
        deleted = set(self.deleted_forms) if self.can_delete else set()
        kept = [
            form
            for form in self.forms
            if (form.has_changed() or form.instance.pk) and form not in deleted
        ]
        if not kept:
            raise ValidationError("Gardez au moins une activité : les familles la cherchent.")


ActivityFormSet = inlineformset_factory(
    Organisation,
    Activity,
    form=ActivityForm,
    formset=BaseActivityFormSet,
    extra=1,
    can_delete=True,
    max_num=30,
    validate_max=True,
)


def activity_changes(
    formset: BaseInlineFormSet[Activity, Organisation, ActivityForm],
) -> list[ActivityChange]:
    """The valid formset's changes, as `organisation_profile_update` takes them (what
    `formset.save()` would do: delete, change, or add)."""
    deleted = set(formset.deleted_forms)
    changes = []
    for form in formset.forms:
        pk = form.instance.pk
        if form in deleted:
            if pk:
                changes.append(ActivityChange(pk=pk, delete=True))
        elif form.has_changed():
            values = {name: form.cleaned_data[name] for name in ACTIVITY_FIELDS}
            changes.append(ActivityChange(pk=pk, values=values))
    return changes


class MemberInviteForm(forms.Form):
    email = forms.EmailField(
        label="Adresse e-mail de la personne à inviter",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        return email.strip().lower()
