"""Helpers of the back-office tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.accounts.models import Role
from passplus.organisations.enums import LegalForm
from passplus.organisations.models import Organisation
from tests import factories
from tests.helpers import parse_html, text_of

pytestmark = pytest.mark.django_db

LIST = reverse("backoffice:organisations")


def login(client: Client, role: str = Role.GESTIONNAIRE) -> Any:
    traits = {
        Role.ORGANISATION: {"organisation_member": True},
        Role.CORRESPONDENT: {"correspondent": True},
        Role.FAMILY: {},
        Role.GESTIONNAIRE: {"gestionnaire": True},
        Role.FINANCE: {"finance": True},
        Role.ADMIN: {"admin": True},
    }[role]
    user = factories.UserFactory(**traits)
    client.force_login(user)
    return user


def commercial(**extra: Any) -> Organisation:
    values = {
        "legal_form": LegalForm.COMPANY,
        "is_non_profit": False,
        "rna": "",
        "eligibility_justification": "Stages de théâtre liés au programme de français.",
        **extra,
    }
    return factories.OrganisationFactory(**values)


def listed_names(client: Client, **params: Any) -> list[str]:
    page = parse_html(client.get(LIST, params))
    return [text_of(row, "td a") for row in page.select("tbody tr")]


def messages_of(response: Any) -> list[str]:
    shown = parse_html(response).select(".messages .message")
    return [" ".join(message.get_text().split()) for message in shown]


def detail_url(organisation: Organisation) -> str:
    return reverse("backoffice:organisation", args=[organisation.pk])
