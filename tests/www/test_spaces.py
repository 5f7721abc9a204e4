"""Each space answers its own role with that user's data, and nobody else (403 or login)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from passplus.accounts.models import Role
from passplus.tickets.services import redemption_enter
from tests.helpers import factories
from tests.helpers.database import assert_unchanged
from tests.helpers.pages import parse_html, text_of

SPACES = {
    "partner:home": Role.ORGANISATION,
    "correspondent:home": Role.CORRESPONDENT,
    "family:home": Role.FAMILY,
    "backoffice:home": Role.GESTIONNAIRE,
}

TRAIT_OF_ROLE = {
    Role.ORGANISATION: {"organisation_member": True},
    Role.CORRESPONDENT: {"correspondent": True},
    Role.FAMILY: {},
    Role.GESTIONNAIRE: {"gestionnaire": True},
    Role.FINANCE: {"finance": True},
    Role.ADMIN: {"admin": True},
}


def logged_in(client: Client, role: str, **extra: Any) -> Any:
    user = factories.UserFactory(**TRAIT_OF_ROLE[role], **extra)
    client.force_login(user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", SPACES)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client, url_name: str) -> None:
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "role"),
    [
        (url_name, role)
        for url_name, owner in SPACES.items()
        for role in Role.values
        if role != owner and not (url_name == "backoffice:home" and role in {"finance", "admin"})
    ],
)
def test_other_roles_are_refused_with_403(client: Client, url_name: str, role: str) -> None:
    logged_in(client, role)
    response = client.get(reverse(url_name))
    assert response.status_code == 403
    assert "Accès refusé" in text_of(parse_html(response), "h1")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.FINANCE, Role.ADMIN])
def test_every_staff_role_reaches_the_back_office(client: Client, role: str) -> None:
    factories.SchoolYearFactory()
    logged_in(client, role)
    assert client.get(reverse("backoffice:home")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.FINANCE, Role.ADMIN])
def test_the_back_office_menu_offers_only_pages_the_role_may_open(
    client: Client, role: str
) -> None:
    factories.SchoolYearFactory()
    logged_in(client, role)
    menu = parse_html(client.get(reverse("backoffice:home"))).select_one(
        "nav[aria-label='Pages de gestion']"
    )
    links = {a.get_text(strip=True): a["href"] for a in menu.select("a")}
    assert ("Import des collégiens" in links) is (role != Role.FINANCE)  # data entry: managers
    assert {"Organismes", "Remboursements", "Journal"} <= set(links)
    for label, href in links.items():
        assert client.get(href).status_code == 200, label


@pytest.mark.django_db
def test_a_deactivated_user_keeps_no_access(client: Client) -> None:
    user = logged_in(client, Role.GESTIONNAIRE)
    user.is_active = False
    user.save()
    response = client.get(reverse("backoffice:home"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_login_lands_each_role_in_its_space(client: Client) -> None:
    user = factories.UserFactory(correspondent=True, email="corr@example.fr")
    response = client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": factories.PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("correspondent:home")


@pytest.mark.django_db
def test_a_wrong_password_gets_a_french_message_and_no_session(client: Client) -> None:
    user = factories.UserFactory()
    # django-axes counts the failure (AccessAttempt, by design): not compared.
    with assert_unchanged(user, counted=[Session]):
        response = client.post(
            reverse("accounts:login"), {"username": user.email, "password": "mauvais"}
        )
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in parse_html(response).get_text()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_partner_home_shows_its_own_redemptions_only(client: Client) -> None:
    member = logged_in(client, Role.ORGANISATION)
    mine = factories.TicketFactory()
    theirs = factories.TicketFactory()
    redemption_enter(ticket=mine, organisation=member.organisation, actor=member)
    redemption_enter(ticket=theirs, organisation=factories.OrganisationFactory(), actor=None)

    page = parse_html(client.get(reverse("partner:home")))

    assert member.organisation.display_name in text_of(page, "h1")
    numbers = [cell.get_text() for cell in page.select("tbody tr td:first-child")]
    assert mine.display_number in numbers
    assert theirs.display_number not in numbers


@pytest.mark.django_db
def test_correspondent_home_lists_only_their_communes_organisations(client: Client) -> None:
    nanterre, antony = factories.commune("92050"), factories.commune("92002")
    logged_in(client, Role.CORRESPONDENT, communes=[nanterre])
    ours = factories.OrganisationFactory(commune=nanterre, public_name="Judo de Nanterre")
    other = factories.OrganisationFactory(commune=antony, public_name="Judo d'Antony")

    page = parse_html(client.get(reverse("correspondent:home")))

    names = [row.select_one("td").get_text() for row in page.select("tbody tr")]
    assert names == [ours.display_name]
    assert other.display_name not in page.get_text()


@pytest.mark.django_db
def test_family_home_shows_their_children_credit_and_tickets_only(client: Client) -> None:
    family_user = logged_in(client, Role.FAMILY)
    wallet = factories.WalletFactory(pupil__family__user=family_user, granted_cents=8000)
    ticket = factories.TicketFactory(wallet=wallet, amount_cents=3000)
    stranger = factories.TicketFactory()

    page = parse_html(client.get(reverse("family:home")))

    text = " ".join(page.get_text(" ").split())
    assert wallet.pupil.first_name in text
    assert "50,00 € restants" in text  # split() also splits no-break spaces
    assert ticket.display_number in text
    assert stranger.display_number not in text
    assert stranger.wallet.pupil.first_name not in text


@pytest.mark.django_db
def test_back_office_home_counts_the_current_year(client: Client) -> None:
    year = factories.SchoolYearFactory()
    factories.TicketFactory(wallet__school_year=year, amount_cents=2500)
    factories.TicketFactory(wallet__school_year=year, amount_cents=1500, void=True)
    logged_in(client, Role.FINANCE)

    page = parse_html(client.get(reverse("backoffice:home")))

    rows = {
        row.select_one("th").get_text(): [td.get_text() for td in row.select("td")]
        for row in page.select("table")[0].select("tbody tr")
    }
    assert rows["Disponible"] == ["1", "25,00\u00a0€"]
    assert rows["Annulé"] == ["1", "15,00\u00a0€"]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["public:home", "public:directory", "public:help"])
def test_public_pages_need_no_login(client: Client, url_name: str) -> None:
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert parse_html(response).select_one("a.skip-link")["href"] == "#contenu"


@pytest.mark.django_db
def test_the_directory_lists_only_affiliated_listed_organisations(client: Client) -> None:
    listed = factories.OrganisationFactory(public_name="Escrime Club")
    factories.OrganisationFactory(public_name="Club suspendu", suspended=True)
    factories.OrganisationFactory(public_name="Club discret", listed_in_directory=False)
    factories.OrganisationFactory(public_name="Club en signature", signing=True)

    page = parse_html(client.get(reverse("public:directory")))

    assert [h.get_text() for h in page.select(".cards h2")] == [listed.display_name]


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_with_a_nonce(client: Client) -> None:
    policy = client.get(reverse("public:home"))["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    # The nonce appears only on pages that use it (Django generates it lazily).
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_the_favicon_is_served(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page and "img/favicon.svg" in page
