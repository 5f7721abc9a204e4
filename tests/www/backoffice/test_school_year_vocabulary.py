""" "Campagne" meant three things (issue 33 §4): a school year is an « année scolaire » in the back
office's navigation, its pages, its home and its dashboards; « campagne » is only said of a
payment run (« campagne de remboursement », « campagne exceptionnelle de remboursement »)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from passplus.accounts.models import Role
from tests.helpers.accounts import log_in_new_user
from tests.helpers.factories import SchoolYearFactory
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

# « campagne » not followed by what makes it a payment run.
LONE_CAMPAGNE = re.compile(r"\bcampagnes?\b(?! (?:de remboursement|exceptionnelle))", re.I)


@pytest.mark.parametrize(
    "name", ["backoffice:home", "backoffice:school_years", "backoffice:school_year_create"]
)
def test_the_back_office_never_calls_a_school_year_a_campagne(client: Client, name: str) -> None:
    log_in_new_user(client, Role.ADMIN)
    SchoolYearFactory(label="2026-2027")

    page = parse_html(client.get(reverse(name)))
    text = " ".join(page.get_text(" ").split())

    assert LONE_CAMPAGNE.findall(text) == []
    assert page.find("a", string="Années scolaires") is not None  # the back-office menu


def test_the_school_year_edit_page_says_annee_scolaire(client: Client) -> None:
    log_in_new_user(client, Role.ADMIN)
    year = SchoolYearFactory(label="2026-2027")

    page = parse_html(client.get(reverse("backoffice:school_year_edit", args=[year.pk])))
    text = " ".join(page.get_text(" ").split())

    assert LONE_CAMPAGNE.findall(text) == []
    assert f"Année scolaire {year.label}" in text_of(page, "h1")
