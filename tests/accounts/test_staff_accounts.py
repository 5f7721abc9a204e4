"""Département staff accounts: one admin asks (a new account, or a staff role for an existing
one), another admin activates; until then the account cannot log in. Both steps are audited
and e-mailed (issue 30 §1, "Accounts promoted in the admin")."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client

from passplus.accounts.models import Role, User
from passplus.accounts.staff_accounts import (
    staff_account_activate,
    staff_account_create,
    staff_account_promote,
)
from passplus.core.errors import DomainError
from tests.helpers import factories
from tests.helpers.accounts import log_in
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.factories import PASSWORD
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def asker() -> Any:
    return factories.UserFactory(admin=True, email="alice.admin@departement.fr")


@pytest.fixture
def activator() -> Any:
    return factories.UserFactory(admin=True, email="bruno.admin@departement.fr")


def new_finance(asker: Any) -> User:
    return staff_account_create(
        actor=asker,
        email="Nouvelle.Finance@Departement.fr",
        first_name="Nina",
        last_name="Nouvelle",
        role=Role.FINANCE,
    )


def test_a_new_staff_account_cannot_log_in_until_another_admin_activates_it(
    asker: Any, activator: Any
) -> None:
    user = new_finance(asker)
    user.set_password(PASSWORD)  # as if its holder had found a way to choose one
    user.save()

    assert user.email == "nouvelle.finance@departement.fr"
    assert user.awaits_staff_activation
    assert not log_in(Client(), user.email, PASSWORD)
    assert not user.has_role(Role.FINANCE)

    staff_account_activate(actor=activator, user=user, role=Role.FINANCE)

    assert log_in(Client(), user.email, PASSWORD)
    user.refresh_from_db()
    assert (user.staff_requested_by, user.staff_activated_by) == (asker, activator)
    assert user.has_role(Role.FINANCE)


def test_both_steps_are_audited(asker: Any, activator: Any) -> None:
    user = new_finance(asker)
    staff_account_activate(actor=activator, user=user, role=Role.FINANCE)

    assert audit_trail(user) == [
        ("staff_account.create", asker.pk),
        ("staff_account.activate", activator.pk),
    ]


def test_the_request_is_e_mailed_to_every_admin_and_the_activation_to_both_and_the_holder(
    asker: Any, activator: Any
) -> None:
    factories.UserFactory(finance=True, email="finance@departement.fr")
    user = new_finance(asker)
    run_queued_tasks()
    requested = {message.to[0]: message.body for message in mail.outbox}
    mail.outbox.clear()

    staff_account_activate(actor=activator, user=user, role=Role.FINANCE)
    run_queued_tasks()

    assert set(requested) == {asker.email, activator.email}
    assert "Vous avez demandé" in requested[asker.email]
    assert "un autre administrateur que vous" in requested[asker.email]
    assert asker.email in requested[activator.email]
    recipients = sorted(tuple(message.to) for message in mail.outbox)
    assert recipients == [(activator.email, asker.email), (user.email,)]
    (welcome,) = [message for message in mail.outbox if message.to == [user.email]]
    assert "/compte/mot-de-passe/" in welcome.body  # a link to choose a password


def test_the_admin_who_asked_cannot_activate(asker: Any) -> None:
    user = new_finance(asker)

    with assert_unchanged(user), pytest.raises(DomainError, match="un autre administrateur"):
        staff_account_activate(actor=asker, user=user, role=Role.FINANCE)


def test_the_database_refuses_an_activation_by_the_admin_who_asked(asker: Any) -> None:
    user = new_finance(asker)

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(
            staff_activated_by=asker, staff_activated_at=user.staff_requested_at
        )


@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.FINANCE, Role.CORRESPONDENT])
def test_only_an_admin_asks_or_activates(asker: Any, role: str) -> None:
    someone = factories.UserFactory(
        **{"correspondent": True} if role == Role.CORRESPONDENT else {role: True}
    )
    user = new_finance(asker)

    with assert_unchanged(user, counted=[User]):
        with pytest.raises(DomainError, match="administrateur"):
            staff_account_create(
                actor=someone,
                email="x@departement.fr",
                first_name="",
                last_name="",
                role=Role.ADMIN,
            )
        with pytest.raises(DomainError, match="administrateur"):
            staff_account_activate(actor=someone, user=user, role=Role.FINANCE)


def test_an_admin_waiting_for_activation_cannot_activate_another(
    asker: Any, activator: Any
) -> None:
    waiting_admin = staff_account_create(
        actor=asker, email="admin3@departement.fr", first_name="", last_name="", role=Role.ADMIN
    )
    user = new_finance(activator)

    with assert_unchanged(user), pytest.raises(DomainError, match="administrateur actif"):
        staff_account_activate(actor=waiting_admin, user=user, role=Role.FINANCE)


def test_an_activation_is_refused_twice_and_for_a_role_other_than_the_one_seen(
    asker: Any, activator: Any
) -> None:
    user = new_finance(asker)
    with assert_unchanged(user), pytest.raises(DomainError, match="a changé"):
        staff_account_activate(actor=activator, user=user, role=Role.ADMIN)

    staff_account_activate(actor=activator, user=user, role=Role.FINANCE)

    with assert_unchanged(user), pytest.raises(DomainError, match="n'attend pas"):
        staff_account_activate(actor=activator, user=user, role=Role.FINANCE)


def test_a_non_staff_role_is_refused_and_an_existing_address_too(asker: Any) -> None:
    factories.UserFactory(email="deja@departement.fr")

    with assert_unchanged(counted=[User]):
        with pytest.raises(DomainError, match="rôle du département"):
            staff_account_create(
                actor=asker, email="a@b.fr", first_name="", last_name="", role=Role.CORRESPONDENT
            )
        with pytest.raises(DomainError, match="existe déjà"):
            staff_account_create(
                actor=asker,
                email="DEJA@departement.fr",
                first_name="",
                last_name="",
                role=Role.FINANCE,
            )


def test_a_promoted_account_is_logged_out_and_waits_for_its_activation(
    asker: Any, activator: Any
) -> None:
    gestionnaire = factories.UserFactory(gestionnaire=True)
    client = Client()
    client.force_login(gestionnaire)

    staff_account_promote(actor=asker, user=gestionnaire, role=Role.FINANCE)

    gestionnaire.refresh_from_db()
    assert gestionnaire.role == Role.FINANCE and gestionnaire.awaits_staff_activation
    assert client.get("/gestion/")["Location"].startswith("/compte/connexion/")  # session over
    assert not log_in(Client(), gestionnaire.email, PASSWORD)
    assert audit_trail(gestionnaire)[-1] == ("staff_account.promote", asker.pk)

    staff_account_activate(actor=activator, user=gestionnaire, role=Role.FINANCE)
    assert log_in(Client(), gestionnaire.email, PASSWORD)


def test_a_correspondent_may_be_promoted_and_leaves_their_communes(asker: Any) -> None:
    correspondent = factories.UserFactory(correspondent=True, communes=[factories.commune()])

    staff_account_promote(actor=asker, user=correspondent, role=Role.GESTIONNAIRE)

    correspondent.refresh_from_db()
    assert correspondent.role == Role.GESTIONNAIRE
    assert not correspondent.communes.exists()


@pytest.mark.parametrize("traits", [{"organisation_member": True}, {}])
def test_a_partner_or_family_account_is_not_promoted(asker: Any, traits: dict[str, bool]) -> None:
    account = factories.UserFactory(**traits)

    with assert_unchanged(account), pytest.raises(DomainError, match="autre adresse"):
        staff_account_promote(actor=asker, user=account, role=Role.FINANCE)


def test_an_admin_cannot_change_their_own_role_nor_promote_a_waiting_account(
    asker: Any,
) -> None:
    user = new_finance(asker)

    with assert_unchanged(asker, user):
        with pytest.raises(DomainError, match="propre rôle"):
            staff_account_promote(actor=asker, user=asker, role=Role.FINANCE)
        with pytest.raises(DomainError, match="attend déjà"):
            staff_account_promote(actor=asker, user=user, role=Role.ADMIN)


def test_createsuperuser_makes_an_active_first_admin() -> None:
    call_command("createsuperuser", "--noinput", "--email", "premier@departement.fr")

    first = User.objects.get(email="premier@departement.fr")
    assert first.role == Role.ADMIN
    assert not first.awaits_staff_activation
