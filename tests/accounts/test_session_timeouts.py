"""Sessions end after an idle time and an absolute maximum that depend on the role (staff 30 min
and 12 h; partners and correspondents 2 h; families 1 day; others 14 days at most), the idle
clock is written at most once a minute, and the cookie never outlives the server's rule."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from passplus.accounts import sessions
from passplus.tickets.models import Redemption
from tests.helpers import factories
from tests.helpers.accounts import log_in
from tests.helpers.database import assert_unchanged
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db

LOGIN = "/compte/connexion/"


class Clock:
    """The epoch seconds the session rules read; tests move it forward."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta).total_seconds()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(sessions, "current_time", fake)
    return fake


def signed_in(client: Client, **traits: Any) -> tuple[Any, str]:
    """A user of the given traits, logged in; the home page of their space."""
    if traits.get("family"):
        user = factories.FamilyFactory().user
        home = reverse("family:home")
    else:
        user = factories.UserFactory(**traits)
        home = {
            "organisation": reverse("partner:home"),
            "correspondent": reverse("correspondent:home"),
        }.get(user.role, reverse("backoffice:home"))
    client.force_login(user)
    return user, home


def messages_shown(response: Any) -> list[str]:
    return [" ".join(p.get_text(" ").split()) for p in parse_html(response).select(".message")]


def assert_expired(client: Client, response: Any, page: str, message: str) -> None:
    """Logged out, sent to the login page (back to `page` afterwards), told why."""
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?{urlencode({'next': page})}"
    login_page = client.get(response["Location"])
    assert login_page.status_code == 200
    assert message in messages_shown(login_page)
    assert "_auth_user_id" not in client.session
    again = client.get(page)
    assert again.status_code == 302 and again["Location"].startswith(LOGIN)


def session_updates(context: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in context.captured_queries
        if query["sql"].lstrip().upper().startswith("UPDATE") and "django_session" in query["sql"]
    ]


STAFF_IDLE = "Votre session a expiré après 30 minutes d'inactivité : reconnectez-vous."


def test_a_staff_session_survives_29_idle_minutes(client: Client, clock: Clock) -> None:
    _user, home = signed_in(client, gestionnaire=True)
    clock.advance(minutes=29)
    assert client.get(home).status_code == 200


@pytest.mark.parametrize("traits", [{"gestionnaire": True}, {"finance": True}, {"admin": True}])
def test_a_staff_session_ends_after_30_idle_minutes(
    client: Client, clock: Clock, traits: dict[str, bool]
) -> None:
    _user, home = signed_in(client, **traits)
    assert client.get(home).status_code == 200
    clock.advance(minutes=31)
    assert_expired(client, client.get(home), home, STAFF_IDLE)


def test_a_busy_staff_session_still_ends_12_hours_after_login(client: Client, clock: Clock) -> None:
    _user, home = signed_in(client, finance=True)
    for _ in range(35):  # every 20 minutes until 11 h 40
        clock.advance(minutes=20)
        assert client.get(home).status_code == 200
    clock.advance(minutes=20)  # 12 h after the login
    assert_expired(
        client,
        client.get(home),
        home,
        "Votre session a expiré : elle dure 12 heures au plus. Reconnectez-vous.",
    )


@pytest.mark.parametrize("traits", [{"organisation_member": True}, {"correspondent": True}])
def test_partners_and_correspondents_have_two_idle_hours(
    client: Client, clock: Clock, traits: dict[str, bool]
) -> None:
    _user, home = signed_in(client, **traits)
    clock.advance(minutes=119)
    assert client.get(home).status_code == 200
    clock.advance(minutes=121)
    assert_expired(
        client,
        client.get(home),
        home,
        "Votre session a expiré après 2 heures d'inactivité : reconnectez-vous.",
    )


def test_families_have_one_idle_day(client: Client, clock: Clock) -> None:
    _user, home = signed_in(client, family=True)
    clock.advance(hours=23)
    assert client.get(home).status_code == 200
    clock.advance(hours=25)
    assert_expired(
        client,
        client.get(home),
        home,
        "Votre session a expiré après 1 jour d'inactivité : reconnectez-vous.",
    )


def test_a_busy_family_session_ends_14_days_after_login(client: Client, clock: Clock) -> None:
    _user, home = signed_in(client, family=True)
    for _ in range(14):  # every 23 hours, until 13 days and 10 hours
        clock.advance(hours=23)
        assert client.get(home).status_code == 200
    clock.advance(hours=23)
    response = client.get(home)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_a_page_view_within_a_minute_of_the_last_write_does_not_save_the_session(
    client: Client, clock: Clock
) -> None:
    _user, home = signed_in(client, organisation_member=True)
    assert client.get(home).status_code == 200
    key = client.session.session_key
    stored = Session.objects.get(pk=key).expire_date

    clock.advance(seconds=59)
    with CaptureQueriesContext(connection) as context:
        assert client.get(home).status_code == 200
    assert session_updates(context) == []
    assert Session.objects.get(pk=key).expire_date == stored

    clock.advance(seconds=2)  # 61 s after the last write
    with CaptureQueriesContext(connection) as context:
        assert client.get(home).status_code == 200
    assert len(session_updates(context)) == 1
    assert Session.objects.get(pk=key).expire_date == stored + dt.timedelta(seconds=61)


def test_the_cookie_and_the_stored_session_expire_with_the_rule(
    client: Client, clock: Clock
) -> None:
    user = factories.UserFactory(gestionnaire=True)
    assert log_in(client, user.email, factories.PASSWORD)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert abs(int(cookie["max-age"]) - 30 * 60) <= 5
    row = Session.objects.get(pk=cookie.value)
    assert row.expire_date == dt.datetime.fromtimestamp(clock.now + 30 * 60, tz=dt.UTC)

    # Near the end of the 12 hours, the idle time is cut short by the absolute maximum.
    login_at = clock.now
    for _ in range(24):  # every 30 min minus 1 s, until 11 h 59 min 36 s
        clock.advance(minutes=29, seconds=59)
        assert client.get("/compte/double-authentification/").status_code == 200
    assert clock.now - login_at > 11.9 * 3600
    row = Session.objects.get(pk=cookie.value)
    assert row.expire_date == dt.datetime.fromtimestamp(login_at + 12 * 3600, tz=dt.UTC)


def test_the_login_form_starts_both_clocks(client: Client, clock: Clock) -> None:
    user = factories.UserFactory(correspondent=True)
    assert log_in(client, user.email, factories.PASSWORD)
    session = client.session
    assert session[sessions.LOGIN_AT_KEY] == int(clock.now)
    assert session[sessions.SEEN_AT_KEY] == int(clock.now)


def test_a_session_without_a_login_time_starts_its_clocks_on_first_sight(
    client: Client, clock: Clock
) -> None:
    _user, home = signed_in(client, gestionnaire=True)
    session = client.session
    del session[sessions.LOGIN_AT_KEY]
    del session[sessions.SEEN_AT_KEY]
    session.save()

    clock.advance(hours=20)
    assert client.get(home).status_code == 200
    assert client.session[sessions.LOGIN_AT_KEY] == int(clock.now)
    clock.advance(minutes=31)
    assert_expired(client, client.get(home), home, STAFF_IDLE)


def test_an_htmx_request_is_told_to_go_to_the_login_page(client: Client, clock: Clock) -> None:
    _user, home = signed_in(client, correspondent=True)
    clock.advance(hours=3)
    response = client.get(home, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{LOGIN}?{urlencode({'next': home})}"
    assert response.content == b""
    assert "_auth_user_id" not in client.session


def test_an_expired_post_returns_to_the_page_it_came_from(client: Client, clock: Clock) -> None:
    user, _home = signed_in(client, organisation_member=True)
    clock.advance(hours=3)
    entry_form = reverse("partner:entry")
    # The expired session itself is deleted (by design): the Session table is not compared.
    with assert_unchanged(user, counted=[Redemption]):
        response = client.post(
            reverse("partner:entry_confirm"),
            {},
            headers={"Referer": f"http://testserver{entry_form}"},
        )
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?{urlencode({'next': entry_form})}"


def test_an_expired_session_on_the_login_page_shows_the_form_and_the_reason(
    client: Client, clock: Clock
) -> None:
    signed_in(client, gestionnaire=True)
    clock.advance(minutes=45)
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert parse_html(response).select_one("form input[name=password]") is not None
    assert STAFF_IDLE in messages_shown(response)
    assert "_auth_user_id" not in client.session


def test_anonymous_visits_get_no_session(client: Client, clock: Clock) -> None:
    response = client.get(reverse("public:home"))
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.count() == 0


def test_the_privacy_page_states_the_session_durations_of_the_settings(
    client: Client, settings: Any
) -> None:
    settings.PASSPLUS_SESSION_IDLE_MINUTES_STAFF = 45
    settings.PASSPLUS_SESSION_IDLE_MINUTES_PARTNER = 90
    text = " ".join(parse_html(client.get(reverse("public:privacy"))).get_text(" ").split())
    assert (
        "après 45 minutes d'inactivité pour les agents du département (12 heures au plus), "
        "1 heure 30 minutes pour les organismes et les correspondants, "
        "1 jour pour les familles (14 jours au plus)"
    ) in text
