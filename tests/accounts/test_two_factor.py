"""Staff second factor: enrolment by QR code, TOTP at each login, single-use recovery codes
(stored hashed), no second factor for partners and families, no open redirect."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.test import Client
from django.urls import URLPattern, reverse
from django.urls.converters import IntConverter
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from passplus.accounts import urls as accounts_urls
from tests.helpers.accounts import VerifiedClient, confirmed_totp_device, current_totp, log_in
from tests.helpers.database import assert_unchanged
from tests.helpers.factories import PASSWORD, UserFactory
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

TWO_FACTOR = "/compte/double-authentification/"


def let_the_throttle_pass(user: Any) -> None:
    TOTPDevice.objects.filter(user=user).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(hours=1)
    )


@pytest.fixture
def browser_like() -> Client:
    """A plain client: logs in through the form, like a person (no shortcut for the 2nd factor)."""
    return Client()


def test_a_staff_page_asks_for_the_second_factor_after_the_password(browser_like: Client) -> None:
    agent = UserFactory(gestionnaire=True)
    assert log_in(browser_like, agent.email, PASSWORD)

    response = browser_like.get("/gestion/remboursements/")

    assert response.status_code == 302
    assert response["Location"] == f"{TWO_FACTOR}?next=%2Fgestion%2Fremboursements%2F"


def test_enrolment_by_qr_code_then_recovery_codes_shown_once(browser_like: Client) -> None:
    agent = UserFactory(finance=True)
    log_in(browser_like, agent.email, PASSWORD)

    page = parse_html(browser_like.get(TWO_FACTOR, {"next": "/gestion/remboursements/"}))
    assert page.select_one("figure.qr-code svg") is not None
    secret = text_of(page, ".secret")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    device = TOTPDevice.objects.get(user=agent, confirmed=False)

    # A wrong code is counted on the device (django-otp's throttle, by design): the device's
    # row is compared only for the throttled try, which must not confirm it.
    with assert_unchanged(agent, counted=[TOTPDevice, StaticDevice, StaticToken]):
        wrong = browser_like.post(TWO_FACTOR, {"code": "000000", "next": "/gestion/"})
    assert "Code incorrect" in text_of(parse_html(wrong), "#id_code_error")
    with assert_unchanged(agent, device, counted=[StaticDevice, StaticToken]):
        again = browser_like.post(TWO_FACTOR, {"code": current_totp(device)})
    assert "patientez" in text_of(parse_html(again), "#id_code_error")  # throttled: 1 s
    let_the_throttle_pass(agent)
    response = browser_like.post(
        TWO_FACTOR, {"code": current_totp(device), "next": "/gestion/remboursements/"}
    )

    codes = [text_of(item, "code") for item in parse_html(response).select(".recovery-codes li")]
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(StaticToken.objects.filter(device__user=agent).values_list("token", flat=True))
    assert len(stored) == 10 and not stored & set(codes)  # hashed, never in clear
    assert browser_like.get("/gestion/remboursements/").status_code == 200


def test_each_login_asks_for_a_current_code(browser_like: Client) -> None:
    agent = UserFactory(gestionnaire=True)
    device = confirmed_totp_device(agent)
    log_in(browser_like, agent.email, PASSWORD)

    page = parse_html(browser_like.get(TWO_FACTOR))
    assert page.select_one("figure.qr-code") is None  # already enrolled: no new QR code
    # The wrong code is counted on the device (django-otp's throttle, by design): not compared.
    with assert_unchanged(agent, counted=[TOTPDevice, StaticDevice, StaticToken]):
        wrong = browser_like.post(TWO_FACTOR, {"code": "123456"})
    assert "Code incorrect" in text_of(parse_html(wrong), "#id_code_error")
    let_the_throttle_pass(agent)
    response = browser_like.post(TWO_FACTOR, {"code": current_totp(device), "next": "/gestion/"})

    assert response.status_code == 302 and response["Location"] == "/gestion/"
    assert browser_like.get("/gestion/").status_code == 200


def test_a_recovery_code_works_once(browser_like: Client) -> None:
    agent = UserFactory(gestionnaire=True)
    log_in(browser_like, agent.email, PASSWORD)
    device = TOTPDevice.objects.create(user=agent, confirmed=False)
    response = browser_like.post(TWO_FACTOR, {"code": current_totp(device)})
    codes = [text_of(item, "code") for item in parse_html(response).select(".recovery-codes li")]
    browser_like.post(reverse("accounts:logout"))

    other = Client()
    log_in(other, agent.email, PASSWORD)
    assert other.post(TWO_FACTOR, {"code": codes[3].upper()}).status_code == 302
    assert other.get("/gestion/").status_code == 200
    other.post(reverse("accounts:logout"))

    third = Client()
    log_in(third, agent.email, PASSWORD)
    # The wrong try is counted on the devices (django-otp's throttle, by design): not compared.
    with assert_unchanged(agent, counted=[TOTPDevice, StaticDevice, StaticToken]):
        refused = third.post(TWO_FACTOR, {"code": codes[3]})
    assert "déjà utilisé" in text_of(parse_html(refused), "#id_code_error")
    assert StaticToken.objects.filter(device__user=agent).count() == 9


@pytest.mark.parametrize("role", ["organisation_member", "correspondent"])
def test_other_spaces_need_no_second_factor(browser_like: Client, role: str) -> None:
    user = UserFactory(**{role: True})
    log_in(browser_like, user.email, PASSWORD)

    home = browser_like.get("/compte/", follow=True)

    assert TWO_FACTOR not in home.redirect_chain[-1][0]
    assert browser_like.get(TWO_FACTOR).status_code == 302  # nothing to do there


def test_the_next_parameter_never_leaves_the_site(browser_like: Client) -> None:
    agent = UserFactory(gestionnaire=True)
    device = confirmed_totp_device(agent)
    log_in(browser_like, agent.email, PASSWORD)

    response = browser_like.post(
        TWO_FACTOR, {"code": current_totp(device), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/gestion/"


def test_the_django_admin_requires_the_second_factor_too(browser_like: Client) -> None:
    admin = UserFactory(admin=True)
    log_in(browser_like, admin.email, PASSWORD)
    response: Any = browser_like.get("/django-admin/")
    assert response.status_code == 302 and "/django-admin/login/" in response["Location"]


# Account pages (/compte/): staff signed in with their password only reach none of them ---------

STAFF_ROLES = ["gestionnaire", "finance", "admin"]
PASSWORD_CHANGE = "/compte/mot-de-passe/changer/"
# The only account pages a staff member reaches before the second factor: logging in and out,
# the second factor itself, and the password reset by e-mailed link (its own proof).
OPEN_BEFORE_SECOND_FACTOR = {
    "login",
    "logout",
    "two_factor",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}


def sent_to_the_second_factor(response: Any, path: str) -> bool:
    expected = f"{TWO_FACTOR}?{urlencode({'next': path})}"
    return response.status_code == 302 and response["Location"] == expected


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_a_staff_password_cannot_be_changed_with_the_password_alone(
    browser_like: Client, role: str
) -> None:
    agent = UserFactory(**{role: True})
    confirmed_totp_device(agent)
    assert log_in(browser_like, agent.email, PASSWORD)

    form = browser_like.get(PASSWORD_CHANGE)
    with assert_unchanged(agent):
        sent = browser_like.post(
            PASSWORD_CHANGE,
            {
                "old_password": PASSWORD,
                "new_password1": "le mot de passe de l'intrus",
                "new_password2": "le mot de passe de l'intrus",
            },
        )

    assert sent_to_the_second_factor(form, PASSWORD_CHANGE)
    assert sent_to_the_second_factor(sent, PASSWORD_CHANGE)
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)
    assert mail.outbox == []


def example_path(pattern: URLPattern) -> str:
    """The pattern's URL with a made-up value for each of its parameters."""
    kwargs = {
        name: 1 if isinstance(converter, IntConverter) else "x"
        for name, converter in pattern.pattern.converters.items()
    }
    return reverse(f"accounts:{pattern.name}", kwargs=kwargs)


def test_every_account_page_but_the_listed_ones_asks_staff_for_the_second_factor(
    browser_like: Client,
) -> None:
    """Walks the accounts URLconf: a page added there later is covered without a word."""
    agent = UserFactory(finance=True)
    assert log_in(browser_like, agent.email, PASSWORD)
    patterns = [p for p in accounts_urls.urlpatterns if isinstance(p, URLPattern)]
    assert len(patterns) == len(accounts_urls.urlpatterns)  # no nested include left unwalked
    guarded = [p for p in patterns if p.name not in OPEN_BEFORE_SECOND_FACTOR]

    assert {p.name for p in patterns} >= OPEN_BEFORE_SECOND_FACTOR
    assert {p.name for p in guarded} >= {"home", "password_change", "password_change_done"}
    refused = {
        p.name: sent_to_the_second_factor(browser_like.get(example_path(p)), example_path(p))
        for p in guarded
    }
    assert refused == dict.fromkeys(refused, True)


def test_the_pages_open_before_the_second_factor_are_exactly_the_listed_ones() -> None:
    assert accounts_urls.OPEN_BEFORE_SECOND_FACTOR == OPEN_BEFORE_SECOND_FACTOR


def test_once_verified_a_staff_member_reaches_the_password_change_form() -> None:
    client = VerifiedClient()
    client.force_login(UserFactory(finance=True))

    assert client.get(PASSWORD_CHANGE).status_code == 200
