"""Django's admin changes no account's role and creates no département account (issue 30 §1):
one save turned partner user `affilie.21` into a finance account. Staff accounts come from the
back office (/gestion/equipe/: one admin asks, another activates; tests/accounts/
test_staff_accounts.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from passplus.accounts.models import Role, User
from tests.helpers import factories
from tests.helpers.database import assert_unchanged
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db

USERS = "/django-admin/accounts/user/"


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(factories.UserFactory(admin=True))
    return client


def change_form(user: Any, **changes: str) -> dict[str, str]:
    form = {
        "email": user.email,
        "role": user.role,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "date_joined_0": "01/01/2026",
        "date_joined_1": "00:00:00",
    }
    if user.organisation_id:
        form["organisation"] = str(user.organisation_id)
    return {**form, **changes}


@pytest.mark.parametrize("role", [Role.FINANCE, Role.ADMIN, Role.GESTIONNAIRE])
def test_a_save_in_the_admin_does_not_turn_a_partner_into_staff(
    admin_client: Client, role: str
) -> None:
    partner = factories.UserFactory(organisation_member=True, email="affilie.21@club.fr")

    organisation = partner.organisation_id

    admin_client.post(
        f"{USERS}{partner.pk}/change/",
        change_form(partner, role=role, organisation="", is_superuser="on"),
    )

    partner.refresh_from_db()
    assert (partner.role, partner.organisation_id, partner.is_superuser) == (
        Role.ORGANISATION,
        organisation,
        False,
    )
    assert not partner.is_staff


@pytest.mark.parametrize(
    "traits", [{"organisation_member": True}, {"correspondent": True}, {}, {"finance": True}]
)
def test_the_role_is_read_only_on_every_accounts_page(
    admin_client: Client, traits: dict[str, bool]
) -> None:
    user = factories.UserFactory(**traits)

    page = parse_html(admin_client.get(f"{USERS}{user.pk}/change/"))

    assert page.select_one("form#user_form") is not None
    assert page.select("[name=role]") == []
    assert page.select("[name=is_superuser]") == []


def test_the_admin_cannot_create_a_staff_account(admin_client: Client) -> None:
    with assert_unchanged(counted=[User]):
        admin_client.post(
            f"{USERS}add/",
            {
                "email": "complice@example.fr",
                "role": Role.FINANCE,
                "is_active": "on",
                "date_joined_0": "01/01/2026",
                "date_joined_1": "00:00:00",
            },
        )

    assert not User.objects.filter(email="complice@example.fr").exists()
    offered = {
        option["value"]
        for option in parse_html(admin_client.get(f"{USERS}add/")).select("[name=role] option")
    }
    assert offered - {""} == {Role.CORRESPONDENT, Role.FAMILY, Role.ORGANISATION}


def test_the_admin_still_creates_a_correspondent(admin_client: Client) -> None:
    response = admin_client.post(
        f"{USERS}add/",
        {
            "email": "correspondant@mairie.fr",
            "role": Role.CORRESPONDENT,
            "is_active": "on",
            "date_joined_0": "01/01/2026",
            "date_joined_1": "00:00:00",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(email="correspondant@mairie.fr").role == Role.CORRESPONDENT
