"""Step 1: the invitation link is the only way to create a partner account; a used, expired or
revoked link explains itself."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import Invitation, Role
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import Organisation
from tests.helpers.affiliation import (
    account_data,
    correspondent_of,
    invitation_link,
    path_of,
    register,
)
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.factories import ConventionVersionFactory
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def link() -> str:
    ConventionVersionFactory()
    staff = Client()
    staff.force_login(correspondent_of("92050"))
    register(staff)
    return path_of(invitation_link())


def test_the_link_creates_the_account_logs_in_and_starts_the_signature(
    client: Client, link: str
) -> None:
    page = parse_html(client.get(link))
    assert "jeanne.martin@usn.example.fr" in text_of(page, "main")

    response = client.post(link, account_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("partner:affiliation")
    user = User.objects.get(email="jeanne.martin@usn.example.fr")
    organisation = Organisation.objects.get()
    assert (user.role, user.organisation_id) == (Role.ORGANISATION, organisation.pk)
    assert organisation.status == OrganisationStatus.SIGNING
    assert Invitation.objects.get().used_at is not None
    assert ("organisation.start_signing", user.pk) in audit_trail(organisation)
    assert client.get(reverse("partner:home")).status_code == 302  # logged in, sent to wizard


def test_a_reused_link_says_so_and_offers_to_log_in(client: Client, link: str) -> None:
    client.post(link, account_data())
    other = Client()

    with assert_unchanged(counted=[User]):
        response = other.post(link, account_data(first_name="Intrus"))

    assert response.status_code == 410
    assert "déjà été utilisé" in text_of(parse_html(response), "main")
    assert parse_html(response).find("a", href=reverse("accounts:login"))


def test_an_expired_link_offers_a_new_one_sent_to_the_address_on_record(
    client: Client, link: str
) -> None:
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    mail.outbox.clear()

    page = client.get(link)
    assert page.status_code == 410 and "a expiré" in text_of(parse_html(page), "main")
    response = client.post(link, {"email": "attaquant@example.com"})

    assert "Un nouveau lien a été envoyé à j•••@usn.example.fr" in text_of(
        parse_html(response), "main"
    )
    new_link = path_of(invitation_link())
    assert mail.outbox[-1].to == ["jeanne.martin@usn.example.fr"]
    assert new_link != link
    old = Invitation.objects.earliest("pk")
    with assert_unchanged(old, counted=[User, DBTaskResult]):
        assert client.post(link).status_code == 410  # the old one cannot renew twice
    assert client.post(new_link, account_data()).status_code == 302


def test_an_unknown_link_is_a_404_with_an_explanation(client: Client) -> None:
    response = client.get(reverse("partner:invitation", args=["pas-un-jeton"]))
    assert response.status_code == 404
    assert "inconnu" in text_of(parse_html(response), "h1")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password1": "court", "password2": "court"}, "password1", "trop court"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password1", "numérique"),
        ({"password2": "Autre-Chose-2026"}, "password2", "ne correspondent pas"),
        ({"first_name": ""}, "first_name", "obligatoire"),
    ],
)
def test_a_bad_password_or_name_creates_nothing(
    client: Client, link: str, overrides: dict[str, str], field: str, message: str
) -> None:
    organisation = Organisation.objects.get()
    with assert_unchanged(organisation, counted=[User, Invitation]):
        response = client.post(link, account_data(**overrides))

    assert response.status_code == 200
    assert message in text_of(parse_html(response), f"#id_{field}_error")
    assert Invitation.objects.get().used_at is None


def test_the_links_token_never_reaches_the_logs(
    client: Client, link: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Secrets never in logs: logging in from the link must not log its path (django-axes logs
    each log-in with the request's path at INFO)."""
    token = link.rstrip("/").rsplit("/", 1)[-1]
    caplog.set_level(logging.DEBUG)

    assert client.get(link).status_code == 200
    assert client.post(link, account_data()).status_code == 302

    assert not [record for record in caplog.records if token in record.getMessage()]
