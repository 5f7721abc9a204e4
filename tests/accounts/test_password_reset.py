"""Password reset: the request does the same work whether or not the account exists (the
look-up happens in the queued task), and it is rate-limited per address and per client address
in the shared cache (the address's count in the database too)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import Role, User
from tests.helpers import factories
from tests.helpers.accounts import ROLE_TRAITS
from tests.helpers.database import assert_unchanged
from tests.helpers.pages import parse_html, text_of
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")


def post(email: str, ip: str = "203.0.113.1") -> Any:
    return Client(HTTP_X_FORWARDED_FOR=ip).post(RESET, {"email": email})


def shape(sql: str) -> str:
    """A statement without its parameters (quoted values and numbers)."""
    return re.sub(r"\b\d+(\.\d+)?\b", "?", re.sub(r"'(?:[^']|'')*'", "?", sql))


def statements_of_a_request(email: str) -> tuple[list[str], int]:
    before = DBTaskResult.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = post(email)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    return [shape(query["sql"]) for query in queries.captured_queries], (
        DBTaskResult.objects.count() - before
    )


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1


def test_a_known_and_an_unknown_address_run_the_same_statements_and_queue_one_task() -> None:
    factories.UserFactory(email="parent@example.fr")

    known, known_tasks = statements_of_a_request("parent@example.fr")
    unknown, unknown_tasks = statements_of_a_request("inconnu@example.fr")

    assert known == unknown
    assert known_tasks == unknown_tasks == 1
    assert not any("accounts_user" in statement for statement in known)  # no look-up here
    assert mail.outbox == []  # nothing sent inside the request

    run_queued_tasks()

    assert [message.to for message in mail.outbox] == [["parent@example.fr"]]


def test_the_queued_task_holds_only_the_typed_address_normalised() -> None:
    post("  Parent@Example.FR ")

    (task,) = DBTaskResult.objects.all()
    assert task.args_kwargs["args"] == []
    kwargs = task.args_kwargs["kwargs"]
    # And when it was asked: the request's name, from which its e-mail's Message-ID is derived.
    assert kwargs == {"email": "parent@example.fr", "requested_at": kwargs["requested_at"]}
    assert dt.datetime.fromisoformat(kwargs["requested_at"]) <= timezone.now()
    assert set(task.args_kwargs) == {"args", "kwargs", "request_id"}  # the request's id only


def test_the_link_is_built_by_the_task_and_opens_the_new_password_form(settings: Any) -> None:
    settings.SITE_URL = "https://pass.example.fr"
    user = factories.UserFactory(email="parent@example.fr")
    post("parent@example.fr")
    run_queued_tasks()

    (message,) = mail.outbox
    link = re.search(r"https://pass\.example\.fr(/compte/mot-de-passe/nouveau/\S+/)", message.body)
    assert link, message.body
    client = Client()
    form_page = client.get(link.group(1), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "un-nouveau-mot-de-passe", "new_password2": "un-nouveau-mot-de-passe"},
    )
    user.refresh_from_db()
    assert user.check_password("un-nouveau-mot-de-passe")


def refused(response: Any) -> bool:
    if response.status_code != 200:
        return False
    return "Trop de demandes" in text_of(parse_html(response), "form #resume-erreurs")


def test_six_requests_for_one_address_from_six_places_the_sixth_is_refused(
    settings: Any,
) -> None:
    settings.PASSPLUS_PASSWORD_RESET_PER_ADDRESS = 5
    user = factories.UserFactory(email="parent@example.fr")

    answers = [post("parent@example.fr", ip=f"198.51.100.{n}") for n in range(5)]
    assert [answer.status_code for answer in answers] == [302] * 5
    with assert_unchanged(user, counted=[DBTaskResult]):
        sixth = post("PARENT@example.fr", ip="198.51.100.99")  # same address, other case

    assert refused(sixth)
    assert DBTaskResult.objects.count() == 5  # nothing queued for the refused one
    assert post("autre@example.fr", ip="198.51.100.99").status_code == 302  # others still can


def test_an_unknown_address_is_limited_the_same_way(settings: Any) -> None:
    settings.PASSPLUS_PASSWORD_RESET_PER_ADDRESS = 2
    for n in range(2):
        assert post("inconnu@example.fr", ip=f"198.51.100.{n}").status_code == 302
    with assert_unchanged(counted=[DBTaskResult]):
        assert refused(post("inconnu@example.fr", ip="198.51.100.50"))


def test_one_client_address_asking_for_many_accounts_is_refused_past_the_limit(
    settings: Any,
) -> None:
    settings.PASSPLUS_PASSWORD_RESET_PER_IP = 20

    answers = [post(f"personne{n}@example.fr", ip="192.0.2.7") for n in range(20)]
    assert {answer.status_code for answer in answers} == {302}
    with assert_unchanged(counted=[DBTaskResult]):
        over = post("personne99@example.fr", ip="192.0.2.7")

    assert refused(over)
    assert DBTaskResult.objects.count() == 20
    assert post("personne99@example.fr", ip="192.0.2.8").status_code == 302  # another client


def test_a_flush_restarts_the_client_count_but_not_the_address_count(settings: Any) -> None:
    """The client address's count lives in the shared cache only; the typed address's is also
    read from the queued requests in the database (issue 31: a Redis flush let 7 through)."""
    settings.PASSPLUS_PASSWORD_RESET_PER_ADDRESS = 1
    settings.PASSPLUS_PASSWORD_RESET_PER_IP = 1
    assert post("parent@example.fr").status_code == 302
    with assert_unchanged(counted=[DBTaskResult]):
        assert refused(post("autre@example.fr"))  # this client is over its limit

    cache.clear()  # what every process shares: emptied

    assert post("autre@example.fr").status_code == 302  # the client's count started again
    with assert_unchanged(counted=[DBTaskResult]):
        assert refused(post("parent@example.fr", ip="198.51.100.3"))  # the address's did not


def test_an_invalid_address_gets_a_french_message_and_queues_nothing() -> None:
    with assert_unchanged(counted=[DBTaskResult]):
        response = post("pas-une-adresse")

    assert response.status_code == 200
    assert "adresse e-mail valide" in text_of(parse_html(response), "#id_email_error")
    assert DBTaskResult.objects.count() == 0


# A password chosen through the e-mailed link is e-mailed to the holder too -----------------------


def notices() -> list[Any]:
    """The e-mails saying a password was changed or chosen (not the reset links)."""
    return [message for message in mail.outbox if "/mot-de-passe/nouveau/" not in message.body]


def choose_by_link(email: str, password: str) -> Any:
    """Ask for a link, open it and choose `password`, as a person would; the final response."""
    post(email)
    run_queued_tasks()
    link = re.search(r"https?://[^/\s]+(/compte/mot-de-passe/nouveau/\S+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    client = Client()
    form_page = client.get(link.group(1), follow=True)
    return client.post(
        form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )


@pytest.mark.parametrize("role", list(Role))
def test_a_password_reset_by_link_e_mails_its_holder_once(role: str) -> None:
    user = factories.UserFactory(**ROLE_TRAITS[role], email=f"{role}.oubli@example.fr")

    response = choose_by_link(user.email, "un-nouveau-mot-de-passe")

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("un-nouveau-mot-de-passe")
    assert notices() == []  # queued with the change, sent by a worker
    run_queued_tasks()
    (notice,) = notices()
    assert notice.to == [user.email]
    assert "modifié" in notice.subject
    assert reverse("accounts:password_reset") in notice.body  # what to do if it was not them


def test_a_first_password_chosen_by_link_is_e_mailed_as_chosen() -> None:
    family = User.objects.create_user("famille.nouvelle@example.fr", role=Role.FAMILY)

    choose_by_link(family.email, "un-premier-mot-de-passe")
    run_queued_tasks()

    (notice,) = notices()
    assert notice.to == [family.email]
    assert "choisi" in notice.subject


def test_a_refused_new_password_by_link_changes_nothing_and_sends_nothing() -> None:
    user = factories.UserFactory(email="parent@example.fr")

    with assert_unchanged(user):
        response = choose_by_link(user.email, "123")  # too short, only digits
    run_queued_tasks()

    assert response.status_code == 200
    assert notices() == []
