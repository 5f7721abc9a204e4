"""Resetting a staff member's second factor: a back-office action of another admin, with a
reason, audited, in one transaction; the staff member must enrol again at the next visit and is
told by e-mail. Never one's own (four eyes), never for gestionnaire or finance staff."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from passplus.accounts.models import Role
from passplus.audit.models import AuditEvent
from tests.helpers import factories
from tests.helpers.accounts import VerifiedClient, confirmed_totp_device
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.pages import parse_html, text_of
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

STAFF = "/gestion/equipe/"


def reset_url(user: Any) -> str:
    return f"/gestion/equipe/{user.pk}/double-authentification/reinitialiser/"


def enrolled(role: str = Role.FINANCE) -> Any:
    user = factories.UserFactory(**{role: True}, email=f"{role}.agent@departement.example.fr")
    confirmed_totp_device(user)
    recovery = StaticDevice.objects.create(user=user, name="Codes de secours", confirmed=True)
    StaticToken.objects.create(device=recovery, token="0123456789abcdef")
    return user


@pytest.fixture
def admin(client: Client) -> Any:
    user = factories.UserFactory(admin=True)
    client.force_login(user)
    return user


def test_an_admin_resets_another_staff_members_second_factor_with_a_reason(
    client: Client, admin: Any
) -> None:
    target = enrolled()

    page = parse_html(client.get(STAFF))
    (form,) = page.select(f"form[action='{reset_url(target)}']")
    assert form.select_one("textarea[name=reason]") is not None
    response = client.post(reset_url(target), {"reason": "Téléphone perdu, appel vérifié"})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert not StaticDevice.objects.filter(user=target).exists()
    assert not StaticToken.objects.filter(device__user=target).exists()
    assert audit_trail(target)[-1] == ("two_factor.reset", admin.pk)
    event = AuditEvent.objects.filter(action="two_factor.reset").get()
    assert event.reason == "Téléphone perdu, appel vérifié"
    run_queued_tasks()
    (notice,) = mail.outbox
    assert notice.to == [target.email]
    assert "double authentification" in notice.body.lower()


def test_after_a_reset_the_staff_member_must_enrol_again() -> None:
    target = enrolled(Role.GESTIONNAIRE)
    verified = VerifiedClient()
    verified.force_login(target)
    assert verified.get("/gestion/").status_code == 200  # verified before the reset

    admin_client = VerifiedClient()
    admin_client.force_login(factories.UserFactory(admin=True))
    admin_client.post(reset_url(target), {"reason": "Nouveau téléphone"})

    response = verified.get("/gestion/")
    assert response.status_code == 302  # the verified session no longer counts
    assert response["Location"].startswith("/compte/double-authentification/")
    enrolment = parse_html(verified.get(response["Location"]))
    assert enrolment.select_one("figure.qr-code svg") is not None  # a new QR code to scan


def test_a_reason_is_required_and_nothing_changes_without_one(client: Client, admin: Any) -> None:
    target = enrolled()
    device = TOTPDevice.objects.get(user=target)

    with assert_unchanged(device, counted=[StaticDevice, StaticToken]):
        response = client.post(reset_url(target), {"reason": "  "}, follow=True)

    assert "motif" in text_of(parse_html(response), ".messages")


def test_an_admin_cannot_reset_their_own_second_factor(client: Client, admin: Any) -> None:
    device = confirmed_totp_device(admin)

    with assert_unchanged(device, counted=[StaticDevice]):
        response = client.post(reset_url(admin), {"reason": "Je change de téléphone"}, follow=True)

    assert "autre administrateur" in text_of(parse_html(response), ".messages")
    page = parse_html(client.get(STAFF))
    assert page.select(f"form[action='{reset_url(admin)}']") == []


@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.FINANCE])
def test_gestionnaire_and_finance_staff_cannot_reset_nor_see_the_page(
    client: Client, role: str
) -> None:
    client.force_login(factories.UserFactory(**{role: True}))
    target = enrolled(Role.FINANCE if role == Role.GESTIONNAIRE else Role.GESTIONNAIRE)
    device = TOTPDevice.objects.get(user=target)

    assert client.get(STAFF).status_code == 403
    with assert_unchanged(device, counted=[StaticDevice]):
        assert client.post(reset_url(target), {"reason": "x"}).status_code == 403


def test_a_partner_or_family_account_is_not_a_target(client: Client, admin: Any) -> None:
    partner = factories.UserFactory(organisation_member=True)
    device = TOTPDevice.objects.create(user=partner, name="x", confirmed=True)

    with assert_unchanged(device):
        response = client.post(reset_url(partner), {"reason": "Essai"})

    assert response.status_code == 404


def test_the_staff_page_lists_staff_and_their_second_factor_state(
    client: Client, admin: Any
) -> None:
    enrolled_agent = enrolled()
    new_agent = factories.UserFactory(gestionnaire=True, email="nouveau@departement.example.fr")
    factories.UserFactory(organisation_member=True, email="club@example.fr")

    page = parse_html(client.get(STAFF))
    rows = {
        text_of(row, "th"): " ".join(row.get_text(" ").split()) for row in page.select("tbody tr")
    }

    assert enrolled_agent.email in " ".join(rows) and new_agent.email in " ".join(rows)
    assert not any("club@example.fr" in name for name in rows)
    assert any("activée" in line for name, line in rows.items() if enrolled_agent.email in name)
    assert any("à activer" in line for name, line in rows.items() if new_agent.email in name)
