"""The correspondent's organisations table (issue 33 §4) runs the same SQL queries for 2 or 20
organisations, whatever their wizard step, filter or sort: the step reached is read from what
the page loaded at once, not by queries per row."""

from __future__ import annotations

import datetime as dt
from itertools import count

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import User
from passplus.conventions.step_reached import step_reached, with_step_data
from passplus.organisations.models import IdentificationForm, Organisation
from passplus.organisations.services import invitation_send
from tests.helpers.affiliation import correspondent_of
from tests.helpers.factories import (
    BankAccountFactory,
    ConventionFactory,
    OrganisationFactory,
    commune,
)
from tests.helpers.pages import parse_html
from tests.helpers.queries import queries_few_and_many

pytestmark = pytest.mark.django_db

HOME = reverse("correspondent:home")
KINDS = 5


def add_organisations(correspondent: User, how_many: int, numbers: count[int]) -> None:
    """`how_many` organisations of Nanterre, in turn: identified and invited, signing at its
    first step, signing with its convention and draft bank details (no RIB), the same with the
    rules accepted, affiliated."""
    for _ in range(how_many):
        kind = next(numbers) % KINDS
        nanterre = commune("92050")
        if kind == 0:
            organisation = OrganisationFactory(identified=True, commune=nanterre)
            form = IdentificationForm.objects.create(
                organisation=organisation,
                registered_by=correspondent,
                contact_name="Jeanne Martin",
                contact_email=f"contact{organisation.pk}@club.example.fr",
            )
            invitation_send(form=form, actor=correspondent)
        elif kind == 4:
            ConventionFactory(organisation=OrganisationFactory(commune=nanterre), signed=True)
        else:
            now = timezone.now() - dt.timedelta(days=1)
            organisation = OrganisationFactory(
                signing=True,
                commune=nanterre,
                secularism_declared_at=now if kind > 1 else None,
                equal_access_declared_at=now if kind > 1 else None,
            )
            if kind > 1:
                ConventionFactory(organisation=organisation, accepted=kind == 3)
                BankAccountFactory(organisation=organisation)


@pytest.mark.parametrize(
    "params",
    [{}, {"tri": "-invitation"}, {"tri": "etat"}, {"etat": "signing", "tri": "commune"}],
)
def test_the_table_runs_the_same_queries_for_2_or_20_organisations(
    client: Client, params: dict[str, str]
) -> None:
    correspondent = correspondent_of("92050")
    client.force_login(correspondent)
    numbers = count()

    few, many = queries_few_and_many(
        client,
        HOME,
        lambda n: add_organisations(correspondent, n, numbers),
        few=2,
        many=20,
        params=params,
    )

    assert len(many) == len(few), "\n".join(many)
    rows = parse_html(client.get(HOME, params)).select("#organismes tbody tr")
    assert len(rows) == (12 if params.get("etat") == "signing" else 20)
    assert any("Étape 2 sur 7" in row.get_text() for row in rows)
    assert any("Étape 3 sur 7" in row.get_text() for row in rows)


def test_the_step_read_from_the_loaded_data_is_the_step_read_row_by_row() -> None:
    correspondent = correspondent_of("92050")
    add_organisations(correspondent, 10, count())
    organisations = Organisation.objects.order_by("pk")

    loaded = [step_reached(organisation) for organisation in with_step_data(organisations)]

    assert loaded == [step_reached(organisation) for organisation in organisations]
    assert {step.split(" :")[0] for step in loaded} == {
        "Compte pas encore créé",
        "Étape 2 sur 7",
        "Étape 3 sur 7",  # with or without the rules accepted: no RIB yet
        "Convention signée",
    }
