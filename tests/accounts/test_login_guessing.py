"""Password guessing at login (django-axes): failures count per account across every client
address, and per address across every account; another account's success never resets them;
the block answers the same whether the account exists or not. Client addresses come through
the trusted proxy's X-Forwarded-For, as in production."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from bs4 import BeautifulSoup
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from passplus.audit.models import AuditEvent
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.factories import PASSWORD, UserFactory
from tests.helpers.pages import parse_html, text_of

pytestmark = [pytest.mark.django_db]

LOGIN = reverse("accounts:login")
LIMIT = 10


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = LIMIT


def attempt(email: str, password: str, address: str) -> Any:
    """One login attempt from a fresh browser at `address` (behind the trusted proxy)."""
    return Client().post(
        LOGIN,
        {"username": email, "password": password},
        HTTP_X_FORWARDED_FOR=address,
    )


def logged_in(response: Any) -> bool:
    return response.status_code == 302 and response.url == reverse("accounts:home")


def main_text(response: Any) -> str:
    main = BeautifulSoup(response.content, "html.parser").find("main")
    assert main is not None
    return " ".join(main.get_text(" ").split())


def test_failures_on_one_account_from_many_addresses_lock_that_account() -> None:
    victim = UserFactory(email="tresorier@club.fr")
    # Each failure is counted (AccessAttempt rows, by design); the account itself never changes.
    with assert_unchanged(victim, counted=[Session]):
        for n in range(5):
            for _ in range(LIMIT - 1):
                assert not logged_in(attempt(victim.email, "mauvais-mot", f"203.0.113.{n + 1}"))

        answer = attempt(victim.email, PASSWORD, "198.51.100.7")

    assert not logged_in(answer)
    assert answer.status_code == 429
    assert "bloquée" in main_text(answer)


def test_the_account_count_ignores_case_and_spaces_of_the_typed_address() -> None:
    victim = UserFactory(email="tresorier@club.fr")
    spellings = ["TRESORIER@club.fr", " tresorier@club.fr", "Tresorier@Club.FR"]
    for n in range(LIMIT):
        attempt(spellings[n % len(spellings)], "mauvais-mot", f"203.0.113.{n + 1}")

    # The blocked attempt is counted by django-axes (AccessAttempt, by design): not compared.
    with assert_unchanged(victim, counted=[Session]):
        assert not logged_in(attempt(victim.email, PASSWORD, "198.51.100.7"))
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"tresorier@club.fr"}


def test_a_success_on_another_account_never_resets_the_victims_count() -> None:
    victim = UserFactory(email="finance@departement.fr")
    attacker = UserFactory(email="attaquant@example.fr")
    for _ in range(2):
        for _ in range(LIMIT // 2):
            attempt(victim.email, "mauvais-mot", "203.0.113.9")
        assert logged_in(attempt(attacker.email, PASSWORD, "198.51.100.20"))

    # The victim's count (10) survived the attacker's two successes: blocked from anywhere.
    with assert_unchanged(victim, counted=[Session]):
        assert not logged_in(attempt(victim.email, PASSWORD, "192.0.2.44"))


def test_a_success_from_the_same_address_does_not_reset_the_victims_count() -> None:
    victim = UserFactory(email="finance@departement.fr")
    attacker = UserFactory(email="attaquant@example.fr")
    for _ in range(LIMIT - 1):
        attempt(victim.email, "mauvais-mot", "203.0.113.9")
    assert logged_in(attempt(attacker.email, PASSWORD, "203.0.113.9"))

    attempt(victim.email, "mauvais-mot", "198.51.100.1")

    with assert_unchanged(victim, counted=[Session]):
        assert not logged_in(attempt(victim.email, PASSWORD, "192.0.2.44"))


def test_failures_from_one_address_on_many_accounts_lock_that_address() -> None:
    bystander = UserFactory(email="benevole@club.fr")
    for n in range(LIMIT):
        attempt(f"inconnu{n}@example.fr", "mauvais-mot", "203.0.113.66")

    with assert_unchanged(bystander, counted=[Session]):
        assert not logged_in(attempt(bystander.email, PASSWORD, "203.0.113.66"))
    # From elsewhere, the same account is not blocked: only that address is.
    assert logged_in(attempt(bystander.email, PASSWORD, "198.51.100.3"))


def test_the_block_says_the_same_whether_the_account_exists_or_not() -> None:
    existing = UserFactory(email="club@example.fr")
    for n in range(LIMIT):
        attempt(existing.email, "mauvais-mot", f"203.0.113.{n + 1}")
        attempt("personne@example.fr", "mauvais-mot", f"198.51.100.{n + 1}")

    with assert_unchanged(existing, counted=[Session]):
        for_existing = attempt(existing.email, PASSWORD, "192.0.2.1")
        for_unknown = attempt("personne@example.fr", PASSWORD, "192.0.2.2")

    assert for_existing.status_code == for_unknown.status_code == 429
    assert main_text(for_existing) == main_text(for_unknown)
    assert "pour ce compte" not in main_text(for_existing)


def test_below_the_limit_the_right_password_still_logs_in() -> None:
    user = UserFactory(email="club@example.fr")
    for n in range(LIMIT - 1):
        attempt(user.email, "mauvais-mot", f"203.0.113.{n + 1}")

    assert logged_in(attempt(user.email, PASSWORD, "198.51.100.9"))


# A blocked département account in "À traiter", lifted by an admin ------------------------------

QUEUE = reverse("backoffice:review_queue")


def lock(user: Any) -> None:
    for n in range(LIMIT):
        attempt(user.email, "mauvais-mot", f"203.0.113.{n + 1}")


def unlock_url(user: Any) -> str:
    return reverse("backoffice:staff_account_unlock", args=[user.pk])


def lockout_items(client: Client) -> list[str]:
    soup = parse_html(client.get(QUEUE))
    heading = soup.find("h2", id="comptes")
    assert heading is not None
    items = heading.find_next_sibling("ul")
    return [" ".join(li.get_text(" ").split()) for li in items.find_all("li")] if items else []


def test_a_blocked_staff_account_is_listed_to_do_but_not_a_blocked_partner(
    client: Client,
) -> None:
    finance = UserFactory(finance=True, email="finance@departement.fr")
    partner = UserFactory(organisation_member=True, email="club@example.fr")
    almost = UserFactory(gestionnaire=True, email="presque@departement.fr")
    lock(finance)
    lock(partner)
    for n in range(LIMIT - 1):
        attempt(almost.email, "mauvais-mot", f"198.51.100.{n + 1}")
    client.force_login(UserFactory(gestionnaire=True))

    items = lockout_items(client)

    assert len(items) == 1
    assert "finance@departement.fr" in items[0]
    assert f"{LIMIT} essais erronés depuis {LIMIT} adresses" in items[0]
    assert "seul un administrateur" in items[0]
    soup = parse_html(client.get(QUEUE))
    assert soup.find("form", action=unlock_url(finance)) is None


def test_an_admin_unlocks_a_staff_account_audited_and_a_guessing_address_stays_blocked(
    client: Client,
) -> None:
    finance = UserFactory(finance=True, email="finance@departement.fr")
    admin = UserFactory(admin=True)
    for _ in range(LIMIT):
        attempt(finance.email, "mauvais-mot", "203.0.113.50")
        attempt("inconnu@example.fr", "mauvais-mot", "203.0.113.50")
    client.force_login(admin)
    assert parse_html(client.get(QUEUE)).find("form", action=unlock_url(finance)) is not None

    response = client.post(unlock_url(finance))

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=finance.email).exists()
    assert audit_trail(finance) == [("account.unlock", admin.pk)]
    assert AuditEvent.objects.get(action="account.unlock").after == {"failures": LIMIT}
    assert lockout_items(client) == []
    assert logged_in(attempt(finance.email, PASSWORD, "198.51.100.8"))
    # The address that also guessed on another account is still blocked, for any account.
    with assert_unchanged(admin, counted=[Session]):
        assert not logged_in(attempt(admin.email, PASSWORD, "203.0.113.50"))


@pytest.mark.parametrize("role", ["gestionnaire", "finance"])
def test_only_an_admin_may_unlock(client: Client, role: str) -> None:
    finance = UserFactory(finance=True, email="finance@departement.fr")
    lock(finance)
    client.force_login(UserFactory(**{role: True}))

    with assert_unchanged(finance, counted=[AccessAttempt]):
        response = client.post(unlock_url(finance))

    assert response.status_code == 403


def test_an_admin_may_not_unlock_their_own_account(client: Client) -> None:
    admin = UserFactory(admin=True)
    lock(admin)
    client.force_login(admin)

    with assert_unchanged(admin, counted=[AccessAttempt]):
        response = client.post(unlock_url(admin), follow=True)

    assert "propre compte" in text_of(parse_html(response), "main")


def test_unlock_refuses_partner_ids_and_accounts_that_are_not_blocked(client: Client) -> None:
    partner = UserFactory(organisation_member=True)
    lock(partner)
    unlocked = UserFactory(gestionnaire=True)
    client.force_login(UserFactory(admin=True))

    with assert_unchanged(partner, unlocked, counted=[AccessAttempt]):
        assert client.post(unlock_url(partner)).status_code == 404
        response = client.post(unlock_url(unlocked), follow=True)
        assert client.get(unlock_url(unlocked)).status_code == 405

    assert "n'est pas bloqué" in text_of(parse_html(response), "main")


def test_the_e_mail_typed_with_capitals_logs_in() -> None:
    user = UserFactory(email="tresorier@club.fr")

    assert logged_in(attempt(" Tresorier@Club.FR", PASSWORD, "198.51.100.9"))
    assert user.email == "tresorier@club.fr"
