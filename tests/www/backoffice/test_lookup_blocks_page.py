"""« Blocages de saisie » with blocks of every scope (organisation, user, address) and the
organisations and users that caused them is valid HTML (issue 33 §1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.tickets.numbers import generate_ticket_number
from tests.helpers.accounts import VerifiedClient
from tests.helpers.factories import OrganisationFactory, UserFactory
from tests.helpers.html_validity import JAVA, VNU, validation_errors
from tests.helpers.skips import missing_tool

pytestmark = pytest.mark.skipif(
    not VNU.exists() or JAVA is None,
    reason=missing_tool(
        "java" if VNU.exists() else "npm",
        "Nu HTML Checker absent : lancer `make node` (npm) et installer Java 17 ou plus",
    ),
)


@pytest.mark.django_db
def test_the_block_list_with_its_causes_is_valid_html(settings: Any, tmp_path: Path) -> None:
    settings.PASSPLUS_LOOKUP_MAX_FAILURES_PER_ADDRESS = 12
    for name, failures in (("Club des erreurs", 10), ("Tennis Club voisin", 2)):
        client = Client(REMOTE_ADDR="192.0.2.90")
        organisation = OrganisationFactory(legal_name=name)
        client.force_login(UserFactory(organisation_member=True, organisation=organisation))
        for _ in range(failures):
            client.post(
                reverse("partner:entry"),
                {"number": generate_ticket_number(), "birth_date": "12/04/2013"},
            )
    staff = VerifiedClient()
    staff.force_login(UserFactory(gestionnaire=True))
    response = staff.get(reverse("backoffice:lookup_blocks"))

    assert response.content.count(b"Lever le blocage :") == 3  # organisation, user, address
    assert validation_errors({"/gestion/blocages/": response.content}, tmp_path) == []
