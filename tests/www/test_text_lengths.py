"""Every text a person types has a length limit, refused in French on its field with nothing
saved; the directory's search index is fed a bounded text. A description of 0.8 MB used to
give a 500 on PostgreSQL (`string is too long for tsvector`)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

import passplus
from passplus.accounts.models import Invitation
from passplus.organisations.models import Activity, IdentificationForm, Organisation
from passplus.organisations.search import SEARCH_TEXT_MAX_LENGTH
from tests.helpers.affiliation import correspondent_of, profile_data, register
from tests.helpers.database import assert_unchanged
from tests.helpers.factories import OrganisationFactory, UserFactory
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

HUGE = "basket " * 120_000  # 840 000 characters, as the outside tester sent


def field_error(response: Any, name: str) -> str:
    assert response.status_code == 200
    return text_of(parse_html(response), f"#id_{name}_error")


def test_a_huge_profile_description_is_refused_on_its_field(client: Client) -> None:
    organisation = OrganisationFactory(offers_sport=True)
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))

    with assert_unchanged(organisation, counted=[Activity]):
        response = client.post(
            reverse("partner:profile"), profile_data(organisation, description=HUGE)
        )

    assert "au plus" in field_error(response, "description")


def test_a_huge_activity_description_is_refused_on_its_field(client: Client) -> None:
    organisation = OrganisationFactory(offers_sport=True)
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))

    with assert_unchanged(organisation, counted=[Activity]):
        response = client.post(
            reverse("partner:profile"),
            profile_data(organisation, **{"activites-0-description": HUGE}),
        )

    assert "au plus" in field_error(response, "activites-0-description")


def test_a_huge_description_on_the_identification_form_is_refused(client: Client) -> None:
    client.force_login(correspondent_of("92050"))

    with assert_unchanged(counted=[Organisation, IdentificationForm, Invitation]):
        response = register(client, description=HUGE)

    assert "au plus" in field_error(response, "description")


def test_the_search_index_is_fed_a_bounded_text() -> None:
    """Whatever reaches the model (an import, the admin), the index gets a bounded text."""
    organisation = OrganisationFactory(description=HUGE)

    organisation.refresh_from_db()
    assert organisation.description == HUGE
    assert len(organisation.search_text) <= SEARCH_TEXT_MAX_LENGTH
    assert organisation.search_text.split()[0] == organisation.search_name.split()[0]
    assert organisation.search_text.endswith(" basket ")


# Every form of the project, read from its declared fields -------------------------------------

# Text fields without a length limit, each with why that is safe.
# Passwords: Argon2 reads a password once (its cost does not grow with its length), nothing
# stores or indexes it, and the request size limit bounds what reaches the form.
UNBOUNDED = {
    ("passplus.accounts.forms", "LoginForm", "password"),
    ("passplus.www.partner.account_forms", "AccountCreationForm", "password1"),
    ("passplus.www.partner.account_forms", "AccountCreationForm", "password2"),
    ("passplus.accounts.password_changes", "NotifiedPasswordChangeForm", "old_password"),
    ("passplus.accounts.password_changes", "NotifiedPasswordChangeForm", "new_password1"),
    ("passplus.accounts.password_changes", "NotifiedPasswordChangeForm", "new_password2"),
    ("passplus.accounts.password_changes", "NotifiedSetPasswordForm", "new_password1"),
    ("passplus.accounts.password_changes", "NotifiedSetPasswordForm", "new_password2"),
}


def project_forms() -> list[type[forms.BaseForm]]:
    found: dict[str, type[forms.BaseForm]] = {}
    for module_info in pkgutil.walk_packages(passplus.__path__, "passplus."):
        if ".migrations" in module_info.name or module_info.name.endswith("settings"):
            continue
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def test_every_text_field_of_every_form_has_a_length_limit() -> None:
    missing = [
        (form.__module__, form.__qualname__, name)
        for form in project_forms()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.CharField)
        and field.max_length is None
        and (form.__module__, form.__qualname__, name) not in UNBOUNDED
    ]
    assert len(project_forms()) > 20
    assert missing == []
