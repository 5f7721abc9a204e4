"""The staff page (/gestion/equipe/): an admin asks for a staff account or a staff role, another
admin activates it (issue 30 §1). Pages call accounts.staff_accounts, whose rules are tested in
tests/accounts/test_staff_accounts.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from passplus.accounts.models import Role, User
from tests.helpers import factories
from tests.helpers.accounts import VerifiedClient
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

STAFF = "/gestion/equipe/"
CREATE = "/gestion/equipe/nouveau/"
PROMOTE = "/gestion/equipe/role/"


def activate_url(user: Any) -> str:
    return f"/gestion/equipe/{user.pk}/activer/"


def admin_client(email: str) -> tuple[Client, Any]:
    admin = factories.UserFactory(admin=True, email=email)
    client = VerifiedClient()
    client.force_login(admin)
    return client, admin


NEW_ACCOUNT = {
    "nouveau-email": "nina.nouvelle@departement.fr",
    "nouveau-first_name": "Nina",
    "nouveau-last_name": "Nouvelle",
    "nouveau-role": Role.FINANCE,
}


def test_one_admin_asks_for_an_account_and_another_activates_it_from_the_page() -> None:
    alice, alice_user = admin_client("alice@departement.fr")
    bruno, bruno_user = admin_client("bruno@departement.fr")

    asked = alice.post(CREATE, NEW_ACCOUNT, follow=True)

    new = User.objects.get(email="nina.nouvelle@departement.fr")
    assert new.awaits_staff_activation and new.role == Role.FINANCE
    assert "un autre administrateur" in text_of(parse_html(asked), ".messages")
    own_view = parse_html(alice.get(STAFF))
    assert own_view.select(f"form[action='{activate_url(new)}']") == []
    assert "Demandé par vous" in own_view.get_text()

    (form,) = parse_html(bruno.get(STAFF)).select(f"form[action='{activate_url(new)}']")
    seen_role = form.select_one("input[name=role]")
    assert seen_role is not None and seen_role["value"] == Role.FINANCE
    response = bruno.post(activate_url(new), {"role": seen_role["value"]}, follow=True)

    assert "activé" in text_of(parse_html(response), ".messages")
    new.refresh_from_db()
    assert not new.awaits_staff_activation
    assert audit_trail(new) == [
        ("staff_account.create", alice_user.pk),
        ("staff_account.activate", bruno_user.pk),
    ]


def test_the_admin_who_asked_cannot_activate_by_posting_the_form() -> None:
    alice, _ = admin_client("alice@departement.fr")
    alice.post(CREATE, NEW_ACCOUNT)
    new = User.objects.get(email="nina.nouvelle@departement.fr")

    with assert_unchanged(new):
        response = alice.post(activate_url(new), {"role": Role.FINANCE}, follow=True)

    assert "un autre administrateur" in text_of(parse_html(response), ".messages")


def test_an_active_account_or_a_partner_is_not_activated_again() -> None:
    bruno, _ = admin_client("bruno@departement.fr")
    finance = factories.UserFactory(finance=True)
    partner = factories.UserFactory(organisation_member=True)

    with assert_unchanged(finance, partner):
        active = bruno.post(activate_url(finance), {"role": Role.FINANCE}, follow=True)
        not_staff = bruno.post(activate_url(partner), {"role": Role.FINANCE})

    assert "n'attend pas" in text_of(parse_html(active), ".messages")
    assert not_staff.status_code == 404


def test_bad_input_is_shown_in_french_and_creates_nothing() -> None:
    alice, _ = admin_client("alice@departement.fr")
    factories.UserFactory(email="deja@departement.fr")

    with assert_unchanged(counted=[User]):
        missing = alice.post(
            CREATE, {**NEW_ACCOUNT, "nouveau-last_name": "", "nouveau-role": "family"}
        )
        taken = alice.post(CREATE, {**NEW_ACCOUNT, "nouveau-email": "DEJA@departement.fr"})
        unknown = alice.post(
            PROMOTE, {"role-email": "personne@nulle.part", "role-role": Role.ADMIN}
        )

    summary = text_of(parse_html(missing), ".error-summary")
    assert "Nom" in summary and "Rôle" in summary
    assert (
        parse_html(missing).select_one("#id_nouveau-email")["value"] == NEW_ACCOUNT["nouveau-email"]
    )
    assert "existe déjà" in text_of(parse_html(taken), ".error-summary")
    assert "Aucun compte" in text_of(parse_html(unknown), ".error-summary")


def test_a_role_change_is_asked_from_the_page_and_locks_the_account() -> None:
    alice, alice_user = admin_client("alice@departement.fr")
    gestionnaire = factories.UserFactory(gestionnaire=True, email="gaelle@departement.fr")

    alice.post(PROMOTE, {"role-email": "Gaelle@Departement.fr", "role-role": Role.FINANCE})

    gestionnaire.refresh_from_db()
    assert (gestionnaire.role, gestionnaire.awaits_staff_activation) == (Role.FINANCE, True)
    assert audit_trail(gestionnaire)[-1] == ("staff_account.promote", alice_user.pk)


@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.FINANCE, Role.CORRESPONDENT])
def test_other_roles_get_403_and_change_nothing(role: str) -> None:
    _, alice = admin_client("alice@departement.fr")
    waiting = factories.UserFactory(
        finance=True, staff_activated_at=None, staff_requested_by=alice, email="w@departement.fr"
    )
    someone = VerifiedClient()
    someone.force_login(
        factories.UserFactory(
            **({"correspondent": True} if role == Role.CORRESPONDENT else {role: True})
        )
    )

    with assert_unchanged(waiting, counted=[User]):
        answers = [
            someone.get(STAFF).status_code,
            someone.post(CREATE, NEW_ACCOUNT).status_code,
            someone.post(
                PROMOTE, {"role-email": "w@departement.fr", "role-role": Role.ADMIN}
            ).status_code,
            someone.post(activate_url(waiting), {"role": Role.FINANCE}).status_code,
        ]

    assert answers == [403, 403, 403, 403]
