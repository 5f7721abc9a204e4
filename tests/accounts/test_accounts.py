from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import Invitation, InvitationPurpose, Role, User, hash_token
from passplus.core.errors import DomainError
from tests.helpers import factories
from tests.helpers.database import assert_unchanged
from tests.helpers.pages import parse_html
from tests.helpers.tasks import run_queued_tasks


@pytest.mark.django_db
def test_email_is_the_login_and_is_stored_lower_case() -> None:
    user = User.objects.create_user(
        "Claire.Martin@Example.FR", "un-mot-de-passe-long", role="family"
    )
    assert user.email == "claire.martin@example.fr"
    assert user.check_password("un-mot-de-passe-long")


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2_in_production_settings(settings) -> None:
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = User.objects.create_user("a@example.fr", "un-mot-de-passe-long", role="family")
    assert identify_hasher(user.password).algorithm == "argon2"


@pytest.mark.django_db
def test_only_admin_users_reach_django_admin(client: Client) -> None:
    client.force_login(factories.UserFactory(gestionnaire=True))
    assert client.get("/django-admin/").status_code == 302
    client.force_login(factories.UserFactory(admin=True))
    assert client.get("/django-admin/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "asked", "allowed"),
    [
        (Role.ADMIN, (Role.FINANCE,), True),
        (Role.ADMIN, (Role.ORGANISATION,), False),
        (Role.GESTIONNAIRE, (Role.FINANCE,), False),
        (Role.FINANCE, (Role.GESTIONNAIRE, Role.FINANCE), True),
        (Role.FAMILY, (Role.FAMILY,), True),
    ],
)
def test_has_role_lets_admin_act_as_staff_but_not_as_a_partner(role, asked, allowed) -> None:
    trait = {
        Role.ADMIN: {"admin": True},
        Role.GESTIONNAIRE: {"gestionnaire": True},
        Role.FINANCE: {"finance": True},
        Role.FAMILY: {},
    }[role]
    assert factories.UserFactory(**trait).has_role(*asked) is allowed


@pytest.mark.django_db
def test_a_partner_user_must_belong_to_an_organisation() -> None:
    from django.db import IntegrityError, transaction

    with (
        assert_unchanged(counted=[User]),
        pytest.raises(IntegrityError),
        transaction.atomic(),
    ):
        User.objects.create(email="x@example.fr", role=Role.ORGANISATION)


@pytest.mark.django_db
def test_password_reset_sends_a_working_link_through_the_task_queue(client: Client) -> None:
    user = factories.UserFactory(email="parent@example.fr")
    response = client.post(reverse("accounts:password_reset"), {"email": "parent@example.fr"})
    assert response.status_code == 302
    assert mail.outbox == []  # queued, not sent inside the request

    run_queued_tasks()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    path = re.sub(r"^https?://[^/]+", "", link)
    form_page = client.get(path, follow=True)
    new_password = "un-nouveau-mot-de-passe-solide"
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    user.refresh_from_db()
    assert user.check_password(new_password)


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    client: Client,
) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "inconnu@example.fr"})
    run_queued_tasks()
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.django_db
def test_logout_is_a_post_and_ends_the_session(client: Client) -> None:
    client.force_login(factories.UserFactory())
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_invitation_token_is_stored_hashed_and_single_use() -> None:
    organisation = factories.OrganisationFactory(identified=True)
    invitation, token = Invitation.issue(
        purpose=InvitationPurpose.AFFILIATION, email="Club@Example.fr", organisation=organisation
    )
    assert token not in invitation.token_hash
    assert invitation.token_hash == hash_token(token)
    assert Invitation.find(token) == invitation
    assert Invitation.find("pas-le-bon") is None

    invitation.check_usable()
    invitation.mark_used()
    with pytest.raises(DomainError, match="déjà été utilisé"):
        invitation.check_usable()
    with assert_unchanged(invitation), pytest.raises(DomainError):
        invitation.mark_used()


@pytest.mark.django_db
def test_expired_and_revoked_invitations_explain_themselves() -> None:
    expired, _ = Invitation.issue(purpose=InvitationPurpose.MEMBER, email="a@example.fr")
    expired.expires_at = timezone.now() - dt.timedelta(seconds=1)
    expired.save()
    revoked, _ = Invitation.issue(purpose=InvitationPurpose.MEMBER, email="b@example.fr")
    revoked.revoked_at = timezone.now()
    revoked.save()

    with pytest.raises(DomainError, match="expiré"):
        expired.check_usable()
    with pytest.raises(DomainError, match="révoqué"):
        revoked.check_usable()
    assert list(Invitation.objects.usable()) == []


@pytest.mark.django_db
def test_login_page_labels_every_field(client: Client) -> None:
    page = parse_html(client.get(reverse("accounts:login")))
    fields = page.select("form input:not([type=hidden])")
    labelled = {
        field["id"]: " ".join(label.get_text().split())
        for field in fields
        if (label := page.select_one(f"label[for={field.get('id')}]")) is not None
    }

    assert len(fields) == 2
    assert labelled == {"id_username": "Adresse e-mail", "id_password": "Mot de passe"}


@pytest.mark.django_db
def test_an_imported_family_whose_welcome_link_expired_can_ask_for_a_new_one(
    client: Client,
) -> None:
    family = User.objects.create_user("famille.importee@example.fr", role=Role.FAMILY)
    assert not family.has_usable_password()
    staff = User.objects.create_user("agent@example.fr", role=Role.GESTIONNAIRE)

    for email in (family.email, staff.email):
        client.post(reverse("accounts:password_reset"), {"email": email})
    run_queued_tasks()

    assert [message.to for message in mail.outbox] == [[family.email]]
