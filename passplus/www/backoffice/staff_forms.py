"""Forms of the staff page (/gestion/equipe/): a new staff account, a staff role for an
existing account, the activation of either by another admin."""

from __future__ import annotations

from django import forms

from passplus.accounts.models import STAFF_ROLES, Role

STAFF_ROLE_CHOICES = [(role.value, role.label) for role in Role if role in STAFF_ROLES]


class StaffAccountForm(forms.Form):
    """A new département account; it logs in once another admin has activated it."""

    email = forms.EmailField(label="Adresse e-mail professionnelle", max_length=254)
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    role = forms.ChoiceField(label="Rôle", choices=STAFF_ROLE_CHOICES)

    prefix = "nouveau"  # two forms on one page: distinct field ids


class StaffPromotionForm(forms.Form):
    """A staff role (or another one) for an existing account, found by its address."""

    email = forms.EmailField(label="Adresse e-mail du compte", max_length=254)
    role = forms.ChoiceField(label="Nouveau rôle", choices=STAFF_ROLE_CHOICES)

    prefix = "role"


class StaffActivationForm(forms.Form):
    """The role the activating admin saw: a request changed since is not activated blind."""

    role = forms.ChoiceField(choices=STAFF_ROLE_CHOICES, widget=forms.HiddenInput)
