"""A password changed from one's account (every role) e-mails its holder, through the task
queue: when (Paris time) and what to do if it was not them (choose a new password by e-mail,
write to the contact address). A refused change sends nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import Role
from passplus.audit.models import AuditEvent
from tests.helpers import factories
from tests.helpers.accounts import ROLE_TRAITS, VerifiedClient
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.pages import parse_html, text_of
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

CHANGE = reverse("accounts:password_change")
NEW = "un nouveau mot de passe assez long"
# 23:30 in UTC is already the next day in Paris (UTC+1 in March): the e-mail says Paris time.
NOW = dt.datetime(2026, 3, 15, 23, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _at_a_known_time() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def signed_in(role: str) -> tuple[Any, VerifiedClient]:
    """A user of `role`, signed in (staff with the second factor passed)."""
    user = factories.UserFactory(**ROLE_TRAITS[role], email=f"{role}.titulaire@example.fr")
    client = VerifiedClient()
    client.force_login(user)
    return user, client


def change(client: VerifiedClient, old_password: str) -> Any:
    return client.post(
        CHANGE, {"old_password": old_password, "new_password1": NEW, "new_password2": NEW}
    )


@pytest.mark.parametrize("role", list(Role))
def test_a_password_change_e_mails_its_holder_once_through_the_queue(role: str) -> None:
    user, client = signed_in(role)

    response = change(client, factories.PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert mail.outbox == []  # queued with the change, sent by a worker
    assert DBTaskResult.objects.filter(task_path__endswith=".send_email").count() == 1
    run_queued_tasks()
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert "mot de passe" in message.subject and "modifié" in message.subject


def test_the_e_mail_says_when_and_what_to_do_if_it_was_not_them() -> None:
    user, client = signed_in(Role.FINANCE)

    change(client, factories.PASSWORD)
    run_queued_tasks()

    (message,) = mail.outbox
    body = " ".join(message.body.split())
    assert "16/03/2026 à 00:30" in body  # Paris time
    assert user.email in body
    assert f"{settings.SITE_URL}{reverse('accounts:password_reset')}" in body
    assert settings.PASSPLUS_CONTACT_EMAIL in body
    assert "Si ce n'est pas vous" in body


def test_a_wrong_old_password_changes_nothing_and_sends_nothing() -> None:
    user, client = signed_in(Role.ORGANISATION)

    with assert_unchanged(user, counted=[DBTaskResult]):
        response = change(client, "pas le bon mot de passe")
    run_queued_tasks()

    assert response.status_code == 200
    assert "incorrect" in text_of(parse_html(response), "#id_old_password_error")
    assert mail.outbox == []


def test_mismatched_new_passwords_change_nothing_and_send_nothing() -> None:
    user, client = signed_in(Role.ADMIN)

    with assert_unchanged(user, counted=[DBTaskResult]):
        response = client.post(
            CHANGE,
            {"old_password": factories.PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"},
        )
    run_queued_tasks()

    assert response.status_code == 200
    assert mail.outbox == []


def test_a_password_change_is_in_the_holders_journal() -> None:
    user, client = signed_in(Role.GESTIONNAIRE)

    change(client, factories.PASSWORD)

    assert audit_trail(user) == [("account.password_change", user.pk)]
    event = AuditEvent.objects.get(action="account.password_change")
    assert NEW not in str(event.after) and factories.PASSWORD not in str(event.before)
