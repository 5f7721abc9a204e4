"""A signed-in session can be extended before it ends (issue 32, RGAA 13.1): every signed-in page
carries the session's deadlines for the warning (static/js/session-warning.js), `GET
/compte/session/` reads them without moving the idle clock, and `POST` (CSRF-checked) restarts
the idle clock, never past the absolute maximum. Anonymous and expired sessions get a French
JSON 401 instead of a login page."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from passplus.accounts import sessions
from tests.helpers import factories
from tests.helpers.accounts import log_in
from tests.helpers.database import assert_unchanged
from tests.helpers.pages import parse_html
from tests.helpers.paths import ROOT
from tests.helpers.session_clock import SessionClock, install_session_clock, next_morning

pytestmark = pytest.mark.django_db

SESSION = "/compte/session/"
JSON = {"Accept": "application/json"}
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SessionClock:
    """At 8:00 in Paris: the day's deadlines (12 hours) stay on the same day."""
    return install_session_clock(monkeypatch, next_morning())


def staff_signed_in(client: Client) -> tuple[Any, str]:
    """A finance user past the second factor (VerifiedClient), and a page of theirs."""
    user = factories.UserFactory(finance=True)
    client.force_login(user)
    return user, reverse("backoffice:home")


def at(seconds: float) -> str:
    """How the warning says a moment of today: « à 14:32 »."""
    return "à " + dt.datetime.fromtimestamp(seconds, tz=PARIS).strftime("%H:%M")


def warning_of(response: Any) -> Any:
    dialog = parse_html(response).select_one("dialog#avertissement-session")
    assert dialog is not None, "no session warning on the page"
    return dialog


def test_the_url_is_the_one_the_warning_posts_to() -> None:
    assert reverse("accounts:session") == SESSION


def test_a_signed_in_page_carries_the_deadlines_of_its_session(
    client: Client, clock: SessionClock
) -> None:
    _user, home = staff_signed_in(client)
    login_at = int(clock.now)
    clock.advance(minutes=5)
    dialog = warning_of(client.get(home))

    assert dialog["role"] == "alertdialog"
    assert dialog["aria-labelledby"] and dialog["aria-describedby"]
    assert int(dialog["data-now"]) == int(clock.now)
    # The page view, 5 minutes after the login, moved the idle clock.
    assert int(dialog["data-ends-at"]) == int(clock.now) + 30 * 60
    assert int(dialog["data-absolute-at"]) == login_at + 12 * 3600
    assert int(dialog["data-warning-seconds"]) == 120
    assert dialog["data-can-extend"] == "true"
    assert dialog["data-ends-text"] == at(clock.now + 30 * 60)
    assert dialog["data-url"] == SESSION
    form = dialog.select_one(f"form[method=post][action='{SESSION}']")
    assert form is not None
    assert form.select_one("input[name=csrfmiddlewaretoken]") is not None
    assert form.select_one("button").get_text(strip=True) == "Rester connecté"


def test_anonymous_pages_and_staff_before_the_second_factor_carry_no_warning(
    client: Client,
) -> None:
    assert parse_html(client.get(reverse("public:home"))).select("dialog") == []
    user = factories.UserFactory(gestionnaire=True)
    assert log_in(client, user.email, factories.PASSWORD)  # the password only
    page = client.get(reverse("accounts:two_factor"))
    assert page.status_code == 200
    assert parse_html(page).select("dialog") == []


def test_posting_restarts_the_idle_clock_and_answers_the_new_deadlines(
    client: Client, clock: SessionClock
) -> None:
    _user, home = staff_signed_in(client)
    login_at = int(clock.now)
    clock.advance(minutes=29)
    response = client.post(SESSION, headers=JSON)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    now = int(clock.now)
    assert response.json() == {
        "now": now,
        "ends_at": now + 30 * 60,
        "ends_text": at(now + 30 * 60),
        "absolute_at": login_at + 12 * 3600,
        "absolute_text": at(login_at + 12 * 3600),
        "can_extend": True,
    }
    assert client.session[sessions.SEEN_AT_KEY] == now
    # 58 minutes after the last page view, 29 after the extension: still signed in.
    clock.advance(minutes=29)
    assert client.get(home).status_code == 200


def test_posting_saves_the_idle_clock_even_within_a_minute_of_the_last_write(
    client: Client, clock: SessionClock
) -> None:
    staff_signed_in(client)
    clock.advance(seconds=30)
    response = client.post(SESSION, headers=JSON)
    assert response.status_code == 200
    key = client.session.session_key
    assert Session.objects.get(pk=key).get_decoded()[sessions.SEEN_AT_KEY] == int(clock.now)


def test_reading_the_deadlines_does_not_move_the_idle_clock(
    client: Client, clock: SessionClock
) -> None:
    _user, home = staff_signed_in(client)
    login_at = int(clock.now)
    clock.advance(minutes=20)
    response = client.get(SESSION, headers=JSON)
    assert response.status_code == 200
    assert response.json()["ends_at"] == login_at + 30 * 60
    assert client.session[sessions.SEEN_AT_KEY] == login_at

    clock.advance(minutes=11)  # 31 minutes after the last page view
    response = client.get(home)
    assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/")


def test_the_extension_never_goes_past_the_absolute_maximum(
    client: Client, clock: SessionClock
) -> None:
    _user, home = staff_signed_in(client)
    login_at = int(clock.now)
    for _ in range(23):  # a page every 29 minutes, until 11 h 7 min
        clock.advance(minutes=29)
        assert client.get(home).status_code == 200
    clock.advance(minutes=25)  # 11 h 32 min: the absolute maximum is within the idle time
    response = client.post(SESSION, headers=JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["ends_at"] == body["absolute_at"] == login_at + 12 * 3600
    assert body["can_extend"] is False
    row = Session.objects.get(pk=client.session.session_key)
    assert row.expire_date == dt.datetime.fromtimestamp(login_at + 12 * 3600, tz=dt.UTC)


def test_the_page_offers_no_extension_once_the_absolute_maximum_is_the_end(
    client: Client, clock: SessionClock, settings: Any
) -> None:
    settings.PASSPLUS_SESSION_MAX_HOURS_STAFF = 1
    _user, home = staff_signed_in(client)
    login_at = int(clock.now)
    clock.advance(minutes=25)
    assert client.get(home).status_code == 200
    clock.advance(minutes=25)  # 50 minutes: 30 idle minutes would end after the hour
    dialog = warning_of(client.get(home))
    assert int(dialog["data-ends-at"]) == login_at + 3600
    assert dialog["data-can-extend"] == "false"
    assert dialog["data-absolute-text"] == at(login_at + 3600)


def test_a_deadline_on_another_day_is_said_with_its_date(
    client: Client, clock: SessionClock
) -> None:
    user = factories.UserFactory(organisation_member=True)
    client.force_login(user)
    login_at = clock.now
    body = client.get(SESSION, headers=JSON).json()
    absolute = dt.datetime.fromtimestamp(login_at + 14 * 24 * 3600, tz=PARIS)
    assert body["absolute_text"] == absolute.strftime("le %d/%m/%Y à %H:%M")


def test_an_anonymous_request_is_refused_in_french_json(client: Client) -> None:
    for method in (client.get, client.post):
        response = method(SESSION, headers=JSON)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"] == "Vous n'êtes pas connecté : reconnectez-vous."
        assert response.json()["login_url"] == "/compte/connexion/"


def test_an_expired_session_is_refused_in_french_json_and_logged_out(
    client: Client, clock: SessionClock
) -> None:
    user, home = staff_signed_in(client)
    clock.advance(minutes=31)
    with assert_unchanged(user):
        response = client.post(SESSION, headers=JSON | {"Referer": f"http://testserver{home}"})
    assert response.status_code == 401
    assert response.json() == {
        "error": "Votre session a expiré après 30 minutes d'inactivité : reconnectez-vous.",
        "login_url": f"/compte/connexion/?{urlencode({'next': home})}",
    }
    assert "_auth_user_id" not in client.session
    assert client.get(home).status_code == 302


def test_a_session_past_its_absolute_maximum_cannot_be_extended(
    client: Client, clock: SessionClock, settings: Any
) -> None:
    settings.PASSPLUS_SESSION_MAX_HOURS_STAFF = 1
    _user, home = staff_signed_in(client)
    for _ in range(2):
        clock.advance(minutes=29)
        assert client.get(home).status_code == 200
    clock.advance(minutes=2)  # 60 minutes after the login, 2 after the last page
    response = client.post(SESSION, headers=JSON)
    assert response.status_code == 401
    assert response.json()["error"] == (
        "Votre session a expiré : elle dure 1 heure au plus. Reconnectez-vous."
    )


def test_the_extension_requires_the_csrf_token(clock: SessionClock) -> None:
    from tests.helpers.accounts import VerifiedClient

    client = VerifiedClient(enforce_csrf_checks=True)
    _user, home = staff_signed_in(client)
    login_at = int(clock.now)
    clock.advance(seconds=30)  # within the minute: the middleware itself writes nothing
    response = client.post(SESSION, headers=JSON)
    assert response.status_code == 403
    assert client.session[sessions.SEEN_AT_KEY] == login_at

    token = warning_of(client.get(home)).select_one("input[name=csrfmiddlewaretoken]")["value"]
    response = client.post(SESSION, {"csrfmiddlewaretoken": token}, headers=JSON)
    assert response.status_code == 200
    assert client.session[sessions.SEEN_AT_KEY] == int(clock.now)


def test_staff_must_pass_the_second_factor_to_extend(client: Client, clock: SessionClock) -> None:
    user = factories.UserFactory(gestionnaire=True)
    assert log_in(client, user.email, factories.PASSWORD)  # the password only
    response = client.post(SESSION, headers=JSON)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor"))


@pytest.mark.parametrize("traits", [{"correspondent": True}, {"organisation_member": True}])
def test_partners_and_correspondents_extend_by_their_own_idle_time(
    client: Client, clock: SessionClock, traits: dict[str, bool]
) -> None:
    client.force_login(factories.UserFactory(**traits))
    clock.advance(minutes=119)
    body = client.post(SESSION, headers=JSON).json()
    assert body["ends_at"] == int(clock.now) + 120 * 60
    assert body["can_extend"] is True


@pytest.mark.parametrize("minutes", ["1", "30"])
def test_the_warning_must_come_at_least_two_minutes_before_the_shortest_idle_end(
    minutes: str,
) -> None:
    """Below 2 minutes a person may not have time to answer; at the staff's idle time or more
    the warning would open as soon as a page is loaded."""
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment.update(
        PASSPLUS_SESSION_WARNING_MINUTES=minutes, DJANGO_SETTINGS_MODULE="passplus.settings"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert (
        "PASSPLUS_SESSION_WARNING_MINUTES must be at least 2 and less than every idle time"
    ) in result.stderr
