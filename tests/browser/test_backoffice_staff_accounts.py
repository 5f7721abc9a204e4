"""Département accounts in the back office, in headless Chromium on a phone and a desktop
(zero axe-core violations): an admin unlocks a blocked account from "À traiter", resets a
colleague's second factor from "Équipe", asks for a new staff account and activates the one a
colleague asked for, by keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from passplus.accounts.models import Role, User
from passplus.accounts.staff_accounts import staff_account_create
from tests.helpers.accounts import confirmed_totp_device
from tests.helpers.browser import PageChecks, log_in_staff
from tests.helpers.factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("width", [360, 1280])
def test_an_admin_unlocks_a_blocked_finance_account_by_keyboard(
    live_server: Any, page: Any, axe_violations: Any, settings: Any, width: int
) -> None:
    finance = UserFactory(finance=True, email="finance@departement.fr")
    admin = UserFactory(admin=True)
    guesser = Client(REMOTE_ADDR="203.0.113.5")  # not the browser's address, which stays free
    for _ in range(settings.AXES_FAILURE_LIMIT):
        guesser.post(reverse("accounts:login"), {"username": finance.email, "password": "x"})
    checks = PageChecks(page, axe_violations, width)
    log_in_staff(page, live_server.url, admin.email, PASSWORD, lambda _: None)

    page.goto(f"{live_server.url}/gestion/a-traiter/")
    checks.check("à traiter, un compte bloqué")
    button = page.get_by_role("button", name="Débloquer le compte finance@departement.fr")
    button.focus()
    button.press("Enter")

    expect(page.locator(".messages")).to_contain_text("Compte débloqué")
    expect(page.locator("main")).to_contain_text("Aucun compte bloqué.")
    assert not AccessAttempt.objects.filter(username=finance.email).exists()
    checks.check("à traiter, après le déblocage")
    checks.assert_clean()


@pytest.mark.parametrize("width", [360, 1280])
def test_an_admin_resets_a_colleagues_second_factor_by_keyboard(
    live_server: Any, page: Any, axe_violations: Any, width: int
) -> None:
    finance = UserFactory(finance=True, email="finance@departement.fr")
    confirmed_totp_device(finance)
    admin = UserFactory(admin=True)
    checks = PageChecks(page, axe_violations, width)
    log_in_staff(page, live_server.url, admin.email, PASSWORD, lambda _: None)

    page.goto(f"{live_server.url}/gestion/equipe/")
    checks.check("équipe")
    reason = page.get_by_label("Motif de la réinitialisation (finance@departement.fr)")
    reason.fill("Téléphone perdu, demande confirmée par téléphone")
    reason.press("Tab")
    page.keyboard.press("Enter")

    expect(page.locator(".messages")).to_contain_text("réinitialisée")
    assert not TOTPDevice.objects.filter(user=finance).exists()
    checks.check("équipe, après la réinitialisation")
    checks.assert_clean()


@pytest.mark.parametrize("width", [360, 1280])
def test_an_admin_asks_for_an_account_and_activates_a_colleagues_request_by_keyboard(
    live_server: Any, page: Any, axe_violations: Any, width: int
) -> None:
    admin = UserFactory(admin=True)
    colleague = UserFactory(admin=True, email="autre.admin@departement.fr")
    waiting = staff_account_create(
        actor=colleague,
        email="gaelle@departement.fr",
        first_name="Gaëlle",
        last_name="Gestion",
        role=Role.GESTIONNAIRE,
    )
    checks = PageChecks(page, axe_violations, width)
    log_in_staff(page, live_server.url, admin.email, PASSWORD, lambda _: None)

    page.goto(f"{live_server.url}/gestion/equipe/")
    checks.check("équipe, une demande à activer")
    page.get_by_label("Adresse e-mail professionnelle").fill("nina@departement.fr")
    page.get_by_label("Prénom").fill("Nina")
    page.get_by_label("Nom", exact=True).fill("Nouvelle")
    page.get_by_label("Rôle", exact=True).select_option(Role.FINANCE)
    page.get_by_label("Rôle", exact=True).press("Tab")
    expect(page.get_by_role("button", name="Demander le compte")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(".messages")).to_contain_text("Compte nina@departement.fr demandé")
    assert User.objects.get(email="nina@departement.fr").awaits_staff_activation
    checks.check("équipe, après la demande")
    activate = page.get_by_role("button", name="Activer le compte gaelle@departement.fr")
    activate.focus()
    activate.press("Enter")

    expect(page.locator(".messages")).to_contain_text("Compte gaelle@departement.fr activé")
    waiting.refresh_from_db()
    assert not waiting.awaits_staff_activation
    checks.check("équipe, après l'activation")
    checks.assert_clean()
