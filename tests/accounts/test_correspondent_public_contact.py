"""A correspondent chooses the address the directory publishes; their login stays private."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from passplus.accounts.correspondents import contacts_cache_key, correspondent_public_contact_set
from passplus.accounts.models import User
from passplus.audit.models import AuditEvent
from passplus.core.errors import DomainError
from tests.helpers.affiliation import correspondent_of
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.factories import UserFactory
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

CONTACT = reverse("correspondent:public_contact")
DIRECTORY = reverse("public:directory")


@pytest.fixture
def correspondent(client: Client) -> User:
    user = correspondent_of("92050", "92002")
    user.first_name, user.last_name = "Nina", "Nanterre"
    user.save()
    client.force_login(user)
    return user


def help_block(client: Client, commune: str = "") -> str:
    page = parse_html(Client().get(DIRECTORY, {"commune": commune} if commune else {}))
    return str(page.select_one(".directory-help"))


def test_the_address_chosen_is_published_at_once_and_audited(
    client: Client, correspondent: User
) -> None:
    assert correspondent.email not in help_block(client, "92050")  # cached before the change
    response = client.post(CONTACT, {"public_email": " Pass@Mairie-Nanterre.example.FR "})

    assert response.status_code == 302 and response["Location"] == reverse("correspondent:home")
    correspondent.refresh_from_db()
    assert correspondent.public_email == "pass@mairie-nanterre.example.fr"
    assert audit_trail(correspondent) == [("user.public_contact", correspondent.pk)]
    event = AuditEvent.objects.get(action="user.public_contact")
    assert event.after == {"public_email": "pass@mairie-nanterre.example.fr"}
    for commune in ("92050", "92002", ""):  # no wait for the 5-minute cache
        block = help_block(client, commune)
        assert 'href="mailto:pass@mairie-nanterre.example.fr"' in block
        assert correspondent.email not in block
    home = text_of(parse_html(client.get(reverse("correspondent:home"))), "main")
    assert "Adresse publiée : pass@mairie-nanterre.example.fr" in home


def test_emptying_the_address_publishes_the_name_only(client: Client, correspondent: User) -> None:
    correspondent.public_email = "pass@mairie-nanterre.example.fr"
    correspondent.save()
    client.post(CONTACT, {"public_email": ""})

    correspondent.refresh_from_db()
    assert correspondent.public_email == ""
    block = help_block(client, "92050")
    assert "Nina Nanterre" in block and "mailto:pass@" not in block
    assert correspondent.email not in block


def test_a_wrong_address_is_refused_in_french_and_nothing_changes(
    client: Client, correspondent: User
) -> None:
    with assert_unchanged(correspondent):
        response = client.post(CONTACT, {"public_email": "mairie@"})
    assert response.status_code == 200
    assert "Saisissez une adresse de courriel valide" in text_of(parse_html(response), "main")


def test_saving_the_same_address_again_writes_no_audit_event(
    client: Client, correspondent: User
) -> None:
    client.post(CONTACT, {"public_email": "pass@nanterre.example.fr"})
    client.post(CONTACT, {"public_email": "pass@nanterre.example.fr"})
    assert audit_trail(correspondent) == [("user.public_contact", correspondent.pk)]


def test_the_page_only_ever_edits_the_logged_in_correspondent(
    client: Client, correspondent: User
) -> None:
    other = correspondent_of("92071")
    client.post(CONTACT, {"public_email": "x@example.fr", "pk": other.pk, "email": "y@example.fr"})
    other.refresh_from_db()
    correspondent.refresh_from_db()
    assert other.public_email == "" and correspondent.public_email == "x@example.fr"
    assert correspondent.email != "y@example.fr"  # the login address is not editable here


@pytest.mark.parametrize("trait", ["gestionnaire", "finance", "organisation_member", ""])
def test_other_roles_are_refused(client: Client, trait: str) -> None:
    user = UserFactory(**({trait: True} if trait else {}))  # no trait: a family
    client.force_login(user)
    with assert_unchanged(user):
        assert client.get(CONTACT).status_code == 403
        assert client.post(CONTACT, {"public_email": "x@example.fr"}).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client) -> None:
    with assert_unchanged(counted=[User]):
        response = client.post(CONTACT, {"public_email": "x@example.fr"})
    assert response.status_code == 302 and "connexion" in response["Location"]


def test_the_directory_never_shows_login_addresses(client: Client) -> None:
    cache.clear()
    unnamed = correspondent_of("92050")
    unnamed.first_name = unnamed.last_name = ""
    unnamed.save()
    for commune in ("92050", ""):
        block = help_block(client, commune)
        assert unnamed.email not in block
    assert "Le correspondant Pass" in help_block(client, "92050")


# The service (passplus.accounts.correspondents.correspondent_public_contact_set) ---------------


def test_the_service_publishes_the_address_normalised_and_forgets_the_cached_contacts(
    correspondent: User,
) -> None:
    cache.set(contacts_cache_key(None), ["stale"])
    saved = correspondent_public_contact_set(
        correspondent=correspondent, public_email=" Pass@Nanterre.example.FR "
    )
    assert saved.public_email == correspondent.public_email == "pass@nanterre.example.fr"
    assert db_row(correspondent)["public_email"] == "pass@nanterre.example.fr"
    assert cache.get(contacts_cache_key(None)) is None
    assert audit_trail(correspondent) == [("user.public_contact", correspondent.pk)]


@pytest.mark.parametrize("traits", [{"gestionnaire": True}, {"organisation_member": True}, {}])
def test_the_service_refuses_whoever_is_not_a_correspondent(traits: dict[str, Any]) -> None:
    someone = UserFactory(**traits)
    with assert_unchanged(someone), pytest.raises(DomainError, match="Seul un correspondant"):
        correspondent_public_contact_set(correspondent=someone, public_email="a@example.fr")


@pytest.mark.parametrize("address", ["mairie@", "pas une adresse", "x" * 250 + "@example.fr"])
def test_the_service_refuses_a_wrong_address_and_saves_nothing(
    correspondent: User, address: str
) -> None:
    correspondent.public_email = "avant@nanterre.example.fr"
    correspondent.save()
    with assert_unchanged(correspondent), pytest.raises(DomainError):
        correspondent_public_contact_set(correspondent=correspondent, public_email=address)


def test_the_service_changes_only_the_correspondent_it_is_given(correspondent: User) -> None:
    other = correspondent_of("92002")
    before, users = db_row(other), User.objects.count()
    correspondent_public_contact_set(
        correspondent=correspondent, public_email="moi@nanterre.example.fr"
    )
    assert db_row(other) == before and User.objects.count() == users
