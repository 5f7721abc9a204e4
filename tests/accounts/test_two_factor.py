"""Staff second factor: enrolment by QR code, TOTP at each login, single-use recovery codes
(stored hashed), no second factor for partners and families, no open redirect."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.helpers.accounts import confirmed_totp_device, current_totp, log_in
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
