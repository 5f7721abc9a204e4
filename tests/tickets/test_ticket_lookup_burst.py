"""A burst of simultaneous ticket look-ups never evaluates more than the limit (issue 30 §1).

The attack: 20 wrong look-ups at once, from 20 addresses, for one organisation. When the limit
was checked before the look-up and the failure counted after it, every request of the burst
passed the check before any failure was counted: more look-ups ran than the limit allows, and
some answered "bloquée" after their look-up had run (a hit would have been returned). Each
attempt is now counted before its look-up, atomically, in the database.

The real look-up (`services.find_ticket`) is wrapped by a spy that records which requests ran
it and holds each of them until every request of the burst has either reached it or been
answered: without an atomic count taken first, all of them reach it (the race happens on every
run, not once in a while); with it, only those the limit lets through do. Nothing is mocked that
produces an outcome: the look-up runs, on the real tables.

The store is the database, whatever the cache; the burst runs under each cache configuration of
`settings.py` (the database cache without REDIS_URL, Redis with it), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
import redis
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from passplus.organisations.models import Organisation
from passplus.tickets import services
from passplus.tickets.models import Ticket
from passplus.tickets.models.throttle import LookupThrottle
from passplus.tickets.numbers import generate_ticket_number
from tests.helpers.factories import OrganisationFactory, TicketFactory, UserFactory
from tests.helpers.pages import parse_html, text_of
from tests.helpers.skips import missing_tool

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 10
BURST = 20
HOLD_SECONDS = 30  # only reached if the code under test deadlocks: then the asserts report it
REDIS_FOR_TESTS = os.environ.get("PASSPLUS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REFUSED = "Trop de saisies sans résultat"  # how every answer given without a look-up starts


@pytest.fixture(params=["database-cache", "redis"])
def shared_cache(request: Any, settings: Any) -> str:
    """The cache of a deployment: a database table without REDIS_URL, Redis with it."""
    if request.param == "redis":
        try:
            redis.Redis.from_url(REDIS_FOR_TESTS, socket_timeout=2).ping()
        except redis.RedisError as error:
            pytest.skip(
                missing_tool(
                    "Redis",
                    f"nothing answers at {REDIS_FOR_TESTS} ({error}): apt-get install "
                    "redis-server, or set PASSPLUS_TEST_REDIS_URL",
                )
            )
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_FOR_TESTS,
                "KEY_PREFIX": f"test-lookup-burst-{os.getpid()}",
            }
        }
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "passplus_cache",
            }
        }
        call_command("createcachetable", verbosity=0)
    settings.PASSPLUS_LOOKUP_MAX_FAILURES = LIMIT
    return str(request.param)


class EvaluationSpy:
    """Wraps the real look-up: records the numbers it evaluated, and holds the evaluation of a
    number until `ready(number)` is true (or HOLD_SECONDS have passed)."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.ready: Callable[[str], bool] = lambda number: True
        self.evaluated: list[str] = []
        self.answered_without_look_up = 0
        self.original = services.find_ticket

    def skipped(self) -> None:
        """A request was answered without reaching the look-up."""
        with self.condition:
            self.answered_without_look_up += 1
            self.condition.notify_all()

    def notify(self) -> None:
        with self.condition:
            self.condition.notify_all()

    def wait_until(self, predicate: Callable[[], bool]) -> None:
        with self.condition:
            self.condition.wait_for(predicate, timeout=HOLD_SECONDS)

    def __call__(self, **kwargs: Any) -> Ticket | None:
        with self.condition:
            self.evaluated.append(kwargs["number"])
            self.condition.notify_all()
        self.wait_until(lambda: self.ready(kwargs["number"]))
        return self.original(**kwargs)

    def installed(self) -> Any:
        return mock.patch.object(services, "find_ticket", self)


def partner_user(organisation: Organisation) -> Any:
    return UserFactory(organisation_member=True, organisation=organisation)


def look_up_from(user: Any, ip: str, number: str, birth: str = "12/04/2013") -> str:
    """One request of the burst, from its own address; its answer: "found" or the error."""
    client = Client(REMOTE_ADDR=ip)
    client.force_login(user)
    try:
        response = client.post(reverse("partner:entry"), {"number": number, "birth_date": birth})
        if response.status_code == 302:
            return "found"
        return text_of(parse_html(response), "#resume-erreurs li")
    finally:
        connection.close()


def run_threads(actions: list[Callable[[], None]]) -> None:
    barrier = threading.Barrier(len(actions))

    def run(action: Callable[[], None]) -> None:
        barrier.wait()
        action()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.fixture
def organisation() -> Organisation:
    return OrganisationFactory()


def test_a_burst_of_wrong_look_ups_evaluates_at_most_the_limit(
    shared_cache: str, organisation: Organisation
) -> None:
    user = partner_user(organisation)
    numbers = [generate_ticket_number() for _ in range(BURST)]
    answers: dict[str, str] = {}
    spy = EvaluationSpy()
    # Each look-up is held until every request has reached it or been answered without it.
    spy.ready = lambda number: len(spy.evaluated) + spy.answered_without_look_up >= BURST

    def request(index: int) -> Callable[[], None]:
        def send() -> None:
            number = numbers[index]
            answers[number] = look_up_from(user, f"198.51.100.{index + 1}", number)
            if number not in spy.evaluated:
                spy.skipped()

        return send

    with spy.installed():
        run_threads([request(index) for index in range(BURST)])

    refused = {number for number, answer in answers.items() if answer.startswith(REFUSED)}
    assert len(answers) == BURST
    assert len(spy.evaluated) <= LIMIT, f"{len(spy.evaluated)} look-ups ran, limit {LIMIT}"
    assert refused == set(numbers) - set(spy.evaluated), answers
    assert not refused & set(spy.evaluated), "a refusal came after its look-up had run"
    assert all(answers[n].startswith("Aucun ticket") for n in spy.evaluated), answers
    # The failures of the burst have blocked the organisation: the next look-up is refused.
    assert look_up_from(user, "198.51.100.200", generate_ticket_number()).startswith(REFUSED)
    assert LookupThrottle.objects.blocking().filter(scope="organisation").exists()


def test_a_right_ticket_sent_once_the_limit_is_taken_is_not_returned(
    shared_cache: str, organisation: Organisation
) -> None:
    """Ten wrong look-ups are running (held inside the look-up); ten requests for a real ticket
    arrive meanwhile from ten other addresses: the limit is taken, none of them looks the ticket
    up, none gets it; once the ten have failed, the organisation is blocked."""
    user = partner_user(organisation)
    ticket = TicketFactory()
    wrong = [generate_ticket_number() for _ in range(LIMIT)]
    second_wave_done = threading.Event()
    spy = EvaluationSpy()
    spy.ready = lambda number: number not in wrong or second_wave_done.is_set()
    first_answers: list[str] = []
    second_answers: list[str] = []

    def first(index: int) -> Callable[[], None]:
        return lambda: first_answers.append(
            look_up_from(user, f"192.0.2.{index + 1}", wrong[index])
        )

    def second(index: int) -> Callable[[], None]:
        return lambda: second_answers.append(
            look_up_from(user, f"203.0.113.{index + 1}", ticket.number)
        )

    with spy.installed():
        holder = threading.Thread(target=run_threads, args=([first(i) for i in range(LIMIT)],))
        holder.start()
        spy.wait_until(lambda: len(spy.evaluated) >= LIMIT)  # all ten inside the look-up
        run_threads([second(index) for index in range(LIMIT)])
        second_wave_done.set()
        spy.notify()
        holder.join()

    assert sorted(spy.evaluated) == sorted(wrong), "the right ticket was looked up"
    assert len(second_answers) == LIMIT
    assert all(answer.startswith(REFUSED) for answer in second_answers), second_answers
    assert all(answer.startswith("Aucun ticket") for answer in first_answers), first_answers
    refused_later = look_up_from(user, "203.0.113.200", ticket.number)
    assert "bloquée jusqu'à" in refused_later


def test_a_burst_from_one_address_across_organisations_evaluates_at_most_its_brake(
    shared_cache: str, settings: Any
) -> None:
    """The address counter keeps the burst guarantee too (issue 33 §1): twenty accounts of
    twenty organisations, behind one address, send a wrong look-up at once; at most the
    address's limit run, and the address is blocked after."""
    settings.PASSPLUS_LOOKUP_MAX_FAILURES_PER_ADDRESS = LIMIT  # below the burst, to test it
    users = [partner_user(OrganisationFactory()) for _ in range(BURST)]
    numbers = [generate_ticket_number() for _ in range(BURST)]
    answers: dict[str, str] = {}
    spy = EvaluationSpy()
    spy.ready = lambda number: len(spy.evaluated) + spy.answered_without_look_up >= BURST

    def request(index: int) -> Callable[[], None]:
        def send() -> None:
            number = numbers[index]
            answers[number] = look_up_from(users[index], "198.51.100.77", number)
            if number not in spy.evaluated:
                spy.skipped()

        return send

    with spy.installed():
        run_threads([request(index) for index in range(BURST)])

    refused = {number for number, answer in answers.items() if answer.startswith(REFUSED)}
    assert len(answers) == BURST
    assert len(spy.evaluated) <= LIMIT, f"{len(spy.evaluated)} look-ups ran, limit {LIMIT}"
    assert refused == set(numbers) - set(spy.evaluated), answers
    fresh = partner_user(OrganisationFactory())
    assert look_up_from(fresh, "198.51.100.77", generate_ticket_number()).startswith(REFUSED)
    assert LookupThrottle.objects.blocking().filter(scope="ip").exists()
    assert not LookupThrottle.objects.blocking().filter(scope="organisation").exists()
