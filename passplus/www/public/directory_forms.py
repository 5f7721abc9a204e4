"""The directory's search form: every criterion is a GET parameter, validated here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from passplus.core.enums import Domain
from passplus.organisations.models import OrganisationQuerySet
from passplus.organisations.search import (
    directory_activity_types,
    directory_commune_choices,
    query_words,
)
from passplus.territory.models import Commune

AGE_MESSAGE = "Indiquez un âge en chiffres, entre 0 et 99 ans (par exemple 12)."


class QuickSelect(forms.Select):
    """A <select> written in Python: Django renders each <option> through a template, which
    for the list of communes cost about as much as the whole search (bench)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(option), " selected" if str(option) == chosen else "", label)
                for option, label in self.choices
            ),
        )
        final_attrs = {**self.build_attrs(self.attrs, attrs), "name": name}
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        label="Nom, activité ou mot-clé",
        required=False,
        max_length=100,
        error_messages={"max_length": "Raccourcissez la recherche (100 caractères au plus)."},
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    commune = forms.ModelChoiceField(
        label="Commune",
        queryset=Commune.objects.order_by("name"),
        to_field_name="insee_code",
        required=False,
        empty_label="Toutes les communes",
        widget=QuickSelect,
        error_messages={
            "invalid_choice": "Cette commune ne fait pas partie du territoire : "
            "choisissez-la dans la liste."
        },
    )
    domain = forms.ChoiceField(
        label="Domaine",
        choices=[("", "Tous les domaines"), *Domain.choices],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choisissez « Sport », « Culture » ou les deux."},
    )
    activity_type = forms.ChoiceField(
        label="Type d'activité",
        required=False,
        widget=QuickSelect,
        error_messages={
            "invalid_choice": "Aucun organisme ne propose ce type d'activité : "
            "choisissez-le dans la liste."
        },
    )
    age = forms.IntegerField(
        label="Âge de l'enfant",
        required=False,
        min_value=0,
        max_value=99,
        error_messages={"invalid": AGE_MESSAGE, "min_value": AGE_MESSAGE, "max_value": AGE_MESSAGE},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, listed: OrganisationQuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.activity_types = directory_activity_types(listed)
        # The list shown comes from the cache; the choice made is still checked by the field.
        # Communes with partners first, the others marked (issue 33 §5).
        self.fields["commune"].widget.choices = [
            ("", "Toutes les communes"),
            *directory_commune_choices(listed),
        ]
        field = self.fields["activity_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Tous les types")] + [
            (key, label) for key, (label, _spellings) in self.activity_types.items()
        ]
        self.fields["age"].help_text = "Les activités ouvertes à cet âge."
        self.fields[
            "q"
        ].help_text = (
            "Par exemple : théâtre, judo, Conservatoire de Sceaux, ou un code postal (92160)."
        )

    def criteria(self) -> dict[str, Any]:
        """The valid criteria only: a wrong one is reported on its field and left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        return {name: data[name] for name in self.fields if data.get(name) not in (None, "")}

    def scans_every_organisation(self) -> bool:
        """Words or activity criteria: no index narrows the search, every listed organisation
        is tested."""
        criteria = self.criteria()
        has_words = bool(query_words(criteria.get("q", "")))
        return has_words or bool({"domain", "activity_type", "age"} & criteria.keys())

    def apply(self, organisations: OrganisationQuerySet) -> OrganisationQuerySet:
        """The organisations matching the valid criteria, most relevant first, then by name."""
        criteria = self.criteria()
        if commune := criteria.get("commune"):
            organisations = organisations.filter(commune=commune)
        activity_type = criteria.get("activity_type", "")
        organisations = organisations.offering(
            domain=criteria.get("domain", ""),
            activity_types=self.activity_types[activity_type][1] if activity_type else [],
            age=criteria.get("age"),
        )
        return organisations.search(criteria.get("q", ""))

    def query_string(self) -> str:
        """The valid criteria as a URL query (for pagination and downloads)."""
        query = QueryDict(mutable=True)
        for name, value in self.criteria().items():
            query[name] = value.insee_code if isinstance(value, Commune) else str(value)
        return query.urlencode()
