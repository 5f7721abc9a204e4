"""Helpers of the back-office tests."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from passplus.organisations.enums import LegalForm
from passplus.organisations.models import Organisation
from tests.helpers import factories
from tests.helpers.pages import parse_html, text_of

LIST = reverse("backoffice:organisations")
# The box ticked before an action that cannot be undone (terminate, void, reject, approve).
CONFIRMED = {"confirm": "on"}


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
