"""Redis gone: every feature that uses the shared cache either works without it (the public
directory, the saves that forget its cached lists, the login, the sessions) or refuses in French
and stays closed (the password-reset limits). `/sante/` keeps the node in rotation (Redis is
shared by every node: taking them all out would turn a degraded site into no site), answers 503
when this node cannot reach its database; `/sante/detail/` reports the cache in error.

The cache is the one `settings.py` builds for a deployment with `REDIS_URL` set (read in a
subprocess), pointed at a closed port: a real Redis client that is refused at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import redis
from axes.models import AccessAttempt
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from passplus.accounts.correspondents import correspondent_public_contact_set
from passplus.accounts.models import User
from passplus.core import shared_cache
from passplus.organisations.models import Activity
from passplus.territory.models import Commune
from tests.helpers import factories
from tests.helpers.affiliation import correspondent_of
from tests.helpers.database import assert_unchanged
from tests.helpers.pages import parse_html, text_of
from tests.helpers.paths import ROOT

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every connection is refused at once.
UNREACHABLE = "redis://127.0.0.1:1/0"
UNAVAILABLE = "Service momentanément indisponible, réessayez dans quelques minutes"
DIRECTORY = reverse("public:directory")
RESET = reverse("accounts:password_reset")


@pytest.fixture(scope="module")
def deployed_caches() -> dict[str, Any]:
    """settings.CACHES as a deployment with REDIS_URL=UNREACHABLE gets it."""
    environment = {
        key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DEBUG"}
    }
    environment.update(REDIS_URL=UNREACHABLE, DJANGO_SETTINGS_MODULE="passplus.settings")
    code = (
        "import json, django; django.setup()\n"
        "from django.conf import settings; print(json.dumps(settings.CACHES))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    caches: dict[str, Any] = json.loads(result.stdout)
    return caches


@pytest.fixture
def redis_down(settings: Any, deployed_caches: dict[str, Any]) -> Iterator[None]:
    settings.REDIS_URL = UNREACHABLE
    settings.CACHES = deployed_caches
    settings.TRUSTED_PROXY_COUNT = 1
    shared_cache.reset_skipping()
    yield
    shared_cache.reset_skipping()  # the next tests' cache answers


def test_the_deployed_cache_is_redis_and_never_waits_long_for_it(
    deployed_caches: dict[str, Any],
) -> None:
    """A Redis that hangs (a dropped route, not a refused port) must not hold every request
    for the system's TCP timeout (minutes): connecting and each reply wait one second at most."""
    default = deployed_caches["default"]
    assert default["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert default["LOCATION"] == UNREACHABLE
    assert 0 < default["OPTIONS"]["socket_connect_timeout"] <= 1
    assert 0 < default["OPTIONS"]["socket_timeout"] <= 1


def test_the_cache_of_these_tests_is_really_unreachable(redis_down: None) -> None:
    with pytest.raises(redis.ConnectionError):
        cache.get("anything")


# The directory works without it ----------------------------------------------------------------


def test_the_directory_searches_filters_and_shows_its_contacts_without_the_cache(
    redis_down: None, settings: Any, deployed_caches: dict[str, Any]
) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    correspondent_of("92050")
    club = factories.OrganisationFactory(public_name="Théâtre des Amandiers")
    factories.ActivityFactory(organisation=club, activity_type="théâtre")
    commune = club.commune.insee_code
    settings.CACHES = deployed_caches  # Redis goes away

    for params in ({}, {"q": "amandiers", "commune": commune}, {"activity_type": "theatre"}):
        response = Client().get(DIRECTORY, params)
        assert response.status_code == 200, params
        page = parse_html(response)
        assert "Théâtre des Amandiers" in text_of(page, ".cards"), params
        options = [option.get_text() for option in page.select("#id_commune option")]
        assert club.commune.name in options
    partial = Client().get(DIRECTORY, {"q": "amandiers"}, headers={"X-Requested-With": "fetch"})
    assert partial.status_code == 200
    help_block = Client().get(DIRECTORY, {"commune": "92050"})
    assert "Nanterre" in text_of(parse_html(help_block), ".directory-help")


def test_changes_that_forget_the_cached_lists_are_saved_without_the_cache(
    redis_down: None,
) -> None:
    """A save forgets the directory's cached lists (signals); the save must not fail for it:
    an entry Redis still holds when it comes back expires within its few minutes."""
    club = factories.OrganisationFactory(public_name="Club du Parc")
    activity = Activity.objects.create(
        organisation=club, name="Judo", domain="sport", activity_type="judo"
    )
    commune = Commune.objects.create(insee_code="92999", name="Nouvelle commune")
    correspondent = correspondent_of("92050")
    correspondent_public_contact_set(correspondent=correspondent, public_email="ecrire@ville.fr")

    assert Activity.objects.filter(pk=activity.pk).exists()
    assert Commune.objects.filter(pk=commune.pk).exists()
    assert User.objects.get(pk=correspondent.pk).public_email == "ecrire@ville.fr"


def test_after_a_failure_this_process_leaves_the_cache_alone_for_a_while(
    redis_down: None, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hanging Redis costs a second per call: one failure, then the database only."""
    assert shared_cache.cached("liste", lambda: "de la base", 60) == "de la base"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    assert shared_cache.cached("liste", lambda: "encore de la base", 60) == "encore de la base"
    assert cache.get("liste") is None  # not even tried

    later = shared_cache.time.monotonic() + shared_cache.SKIP_SECONDS + 1
    monkeypatch.setattr(shared_cache.time, "monotonic", lambda: later)
    assert shared_cache.cached("liste", lambda: "de la base", 60) == "de la base"
    assert cache.get("liste") == "de la base"  # tried again, and cached


# Logging in needs no cache (sessions and django-axes' counts are in the database) -------------


def test_logging_in_and_a_wrong_password_work_without_the_cache(redis_down: None) -> None:
    user = factories.UserFactory(email="tresorier@club.fr")
    login = reverse("accounts:login")
    wrong = Client().post(login, {"username": user.email, "password": "pas-le-bon"})
    assert wrong.status_code == 200
    assert AccessAttempt.objects.filter(username="tresorier@club.fr").exists()

    client = Client()
    right = client.post(login, {"username": user.email, "password": factories.PASSWORD})
    assert right.status_code == 302
    assert client.get(reverse("accounts:home")).status_code in {200, 302}
    assert "_auth_user_id" in client.session


# The password reset refuses, in French, and stays closed ---------------------------------------


def test_a_password_reset_request_is_refused_in_french_and_queues_nothing(
    redis_down: None,
) -> None:
    user = factories.UserFactory(email="parent@example.fr")
    with assert_unchanged(user, counted=[DBTaskResult]):
        response = Client().post(RESET, {"email": "parent@example.fr"})

    assert response.status_code == 200
    assert UNAVAILABLE in text_of(parse_html(response), "form #resume-erreurs")


def test_a_flush_of_the_cache_does_not_reset_the_per_address_limit(settings: Any) -> None:
    """The drill: limit 5, Redis flushed after the fifth request, two more asked within the
    minute. The address's count lives in the database (the queued requests): still refused."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PASSPLUS_PASSWORD_RESET_PER_ADDRESS = 5
    answers = [
        Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").post(RESET, {"email": "parent@example.fr"})
        for n in range(5)
    ]
    assert [answer.status_code for answer in answers] == [302] * 5

    cache.clear()  # FLUSHALL

    with assert_unchanged(counted=[DBTaskResult]):
        for n in (6, 7):
            late = Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").post(
                RESET, {"email": "Parent@example.fr"}
            )
            assert "Trop de demandes" in text_of(parse_html(late), "form #resume-erreurs")
    assert DBTaskResult.objects.count() == 5


# What the load balancer acts on ----------------------------------------------------------------


def test_the_load_balancer_keeps_a_node_whose_redis_is_down_the_detail_reports_it(
    redis_down: None, client: Client
) -> None:
    health = Client().get(reverse("public:health"))
    assert (health.status_code, health.content) == (200, b"ok")

    client.force_login(factories.UserFactory(gestionnaire=True))
    detail = client.get(reverse("health:detail_json"))
    assert detail.status_code == 503
    statuses = {check["name"]: check["status"] for check in detail.json()["checks"]}
    assert statuses["cache"] == statuses["redis"] == "error"


def test_the_load_balancer_takes_out_a_node_that_cannot_reach_its_database() -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("connection to server failed")

    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor", refuse):
        response = Client().get(reverse("public:health"))

    assert response.status_code == 503
    assert response.content.decode().startswith("indisponible")
