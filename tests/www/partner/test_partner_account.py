"""The partner's account space: public profile and activities, members (invite, accept, remove),
password change, login lockout — with bad inputs and another organisation's ids."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from passplus.accounts.models import Invitation, User
from passplus.organisations.models import Activity, Organisation
from tests.helpers.affiliation import profile_data
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.factories import ActivityFactory, OrganisationFactory, UserFactory
from tests.helpers.pages import parse_html, text_of
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation() -> Organisation:
    return OrganisationFactory(offers_sport=True, offers_culture=False)


@pytest.fixture
def member(client: Client, organisation: Organisation) -> User:
    user = UserFactory(organisation_member=True, organisation=organisation)
    client.force_login(user)
    return user


def errors(response: Any) -> str:
    return text_of(parse_html(response), "main")


def test_the_profile_and_activities_are_saved_and_audited(
    client: Client, organisation: Organisation, member: User
) -> None:
    legal_name = organisation.legal_name
    response = client.post(reverse("partner:profile"), profile_data(organisation))

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.public_name == "Club Omnisports de Test"
    assert organisation.public_phone == "+33123456789"
    assert organisation.legal_name == legal_name  # not editable here
    activity = organisation.activities.get()
    assert (activity.name, activity.min_age, activity.max_age) == ("Football U13", 11, 13)
    assert ("organisation.profile_update", member.pk) in audit_trail(organisation)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"postcode": "13001"}, "territoire"),
        ({"public_phone": "12"}, "téléphone"),
        ({"public_email": "pas-un-email"}, "e-mail"),
        ({"activites-0-min_age": "15"}, "âge maximum"),
        ({"activites-0-max_age": "abc"}, "nombre entier"),
        ({"activites-0-domain": "culture"}, "choix valide"),
        (
            {  # the domain select has no blank option: a browser sends its first choice
                **{
                    f"activites-0-{name}": ""
                    for name in ("name", "activity_type", "place", "min_age", "max_age")
                },
                "activites-0-domain": "sport",
            },
            "au moins une activité",
        ),
    ],
)
def test_bad_profile_input_is_refused_in_french_and_nothing_is_saved(
    client: Client,
    organisation: Organisation,
    member: User,
    overrides: dict[str, str],
    message: str,
) -> None:
    with assert_unchanged(organisation, counted=[Activity]):
        response = client.post(reverse("partner:profile"), profile_data(organisation, **overrides))
    assert response.status_code == 200
    assert message.lower() in errors(response).lower()


def test_the_blank_new_activity_line_asks_nothing_when_the_profile_is_saved(
    client: Client, organisation: Organisation, member: User
) -> None:
    """A browser sends the blank line's domain select with its first choice (the select has no
    blank option): that line must stay "unchanged", not demand an activity name."""
    existing = ActivityFactory(organisation=organisation, name="Natation", domain="sport")
    data = profile_data(organisation)
    data.update(
        {
            "activites-TOTAL_FORMS": "2",
            "activites-INITIAL_FORMS": "1",
            "activites-0-id": str(existing.pk),
            **{f"activites-1-{name}": "" for name in ("name", "activity_type", "place")},
            **{f"activites-1-{name}": "" for name in ("min_age", "max_age", "description")},
            "activites-1-domain": "sport",
        }
    )

    response = client.post(reverse("partner:profile"), data)

    assert response.status_code == 302, errors(response)
    assert list(organisation.activities.values_list("name", flat=True)) == ["Football U13"]


def test_legal_name_sent_in_the_form_is_ignored(
    client: Client, organisation: Organisation, member: User
) -> None:
    legal_name = organisation.legal_name
    client.post(
        reverse("partner:profile"),
        profile_data(organisation, legal_name="AUTRE", siret="12345678900011"),
    )
    organisation.refresh_from_db()
    assert organisation.legal_name == legal_name and organisation.siret != "12345678900011"


def test_another_organisations_activity_cannot_be_edited_through_the_formset(
    client: Client, organisation: Organisation, member: User
) -> None:
    foreign = ActivityFactory(organisation=OrganisationFactory(), name="Judo")
    data = profile_data(
        organisation,
        **{
            "activites-INITIAL_FORMS": "1",
            "activites-0-id": str(foreign.pk),
            "activites-0-name": "Piraté",
        },
    )
    before = db_row(foreign)

    client.post(reverse("partner:profile"), data)

    assert db_row(foreign) == before  # an unknown id only ever creates an activity of one's own
    assert not Activity.objects.filter(name="Piraté").exclude(organisation=organisation).exists()


def invitation_link() -> str:
    run_queued_tasks()
    match = re.search(r"https?://\S+/membre/\S+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return urlsplit(match.group(0)).path


def test_a_member_invites_a_colleague_who_creates_her_own_login(
    client: Client, organisation: Organisation, member: User
) -> None:
    client.post(reverse("partner:members"), {"email": "Tresoriere@Club.example.fr"})
    link = invitation_link()
    client.logout()

    response = client.post(
        link,
        {
            "first_name": "Lina",
            "last_name": "Roux",
            "password1": "un mot de passe solide",
            "password2": "un mot de passe solide",
        },
    )

    assert response.status_code == 302
    colleague = User.objects.get(email="tresoriere@club.example.fr")
    assert colleague.organisation == organisation and colleague.check_password(
        "un mot de passe solide"
    )
    assert client.get(link).status_code == 410  # single use
    actions = [action for action, _ in audit_trail(organisation)]
    assert "organisation.member_invite" in actions and "organisation.member_join" in actions


def test_an_address_that_already_has_an_account_cannot_be_invited(
    client: Client, organisation: Organisation, member: User
) -> None:
    other = UserFactory(email="deja@example.fr")
    with assert_unchanged(other, counted=[Invitation]):
        response = client.post(reverse("partner:members"), {"email": "deja@example.fr"})
    assert "existe déjà" in errors(response)


def test_members_are_removed_but_never_the_last_one(
    client: Client, organisation: Organisation, member: User
) -> None:
    colleague = UserFactory(organisation_member=True, organisation=organisation)

    client.post(reverse("partner:member_remove", args=[colleague.pk]))
    colleague.refresh_from_db()
    assert not colleague.is_active
    with assert_unchanged(member, organisation):
        response = client.post(reverse("partner:member_remove", args=[member.pk]), follow=True)

    member.refresh_from_db()
    assert member.is_active
    assert "dernier compte" in text_of(parse_html(response), ".messages")
    assert ("organisation.member_remove", member.pk) in audit_trail(organisation)


def test_another_organisations_member_or_invitation_cannot_be_touched(
    client: Client, organisation: Organisation, member: User
) -> None:
    other = OrganisationFactory()
    stranger = UserFactory(organisation_member=True, organisation=other)
    UserFactory(organisation_member=True, organisation=other)
    invitation, _ = Invitation.issue(purpose="member", email="x@example.fr", organisation=other)

    with assert_unchanged(stranger, invitation):
        client.post(reverse("partner:member_remove", args=[stranger.pk]))
        client.post(reverse("partner:member_invitation_revoke", args=[invitation.pk]))
    page = text_of(parse_html(client.get(reverse("partner:members"))), "main")
    assert stranger.email not in page and "x@example.fr" not in page


def test_a_revoked_member_invitation_no_longer_works(
    client: Client, organisation: Organisation, member: User
) -> None:
    client.post(reverse("partner:members"), {"email": "nouveau@example.fr"})
    link = invitation_link()
    invitation = Invitation.objects.get(email="nouveau@example.fr")

    client.post(reverse("partner:member_invitation_revoke", args=[invitation.pk]))

    client.logout()
    response = client.get(link)
    assert response.status_code == 410 and "révoqué" in errors(response)


def test_password_change_checks_the_old_password(client: Client, member: User) -> None:
    member.set_password("ancien mot de passe")
    member.save()
    client.force_login(member)
    url = reverse("accounts:password_change")
    data = {
        "new_password1": "nouveau mot de passe long",
        "new_password2": "nouveau mot de passe long",
    }

    with assert_unchanged(member):
        response = client.post(url, {"old_password": "faux", **data})
    assert response.status_code == 200 and "incorrect" in errors(response)
    response = client.post(url, {"old_password": "ancien mot de passe", **data})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("nouveau mot de passe long")


def test_repeated_wrong_passwords_lock_the_account_with_a_french_message(
    client: Client, settings: Any
) -> None:
    user = UserFactory(email="tresorier@club.example.fr")
    user.set_password("le bon mot de passe")
    user.save()
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": user.email, "password": "mauvais"})
        assert response.status_code == 200

    # django-axes counts each failure (AccessAttempt, by design): not compared; the account and
    # the sessions are.
    with assert_unchanged(user, counted=[Session]):
        response = client.post(url, {"username": user.email, "password": "mauvais"})
    assert response.status_code == 429
    assert "bloquée pendant 15 minutes" in errors(response)
    with assert_unchanged(user, counted=[Session]):
        response = client.post(url, {"username": user.email, "password": "le bon mot de passe"})
    assert response.status_code == 429  # even the right password, until the block ends
    assert "_auth_user_id" not in client.session


def test_the_account_page_links_every_part(
    client: Client, organisation: Organisation, member: User
) -> None:
    page = parse_html(client.get(reverse("partner:account")))
    links = {a["href"] for a in page.select("main a[href]")}
    for name in ("partner:profile", "partner:members", "partner:bank_details"):
        assert reverse(name) in links
    assert reverse("accounts:password_change") in links


def test_other_roles_cannot_reach_the_account_space(client: Client) -> None:
    client.force_login(UserFactory(gestionnaire=True))
    for name in ("partner:account", "partner:profile", "partner:members", "partner:bank_details"):
        assert client.get(reverse(name)).status_code == 403
