"""What the RGAA audit found in the markup (issue 22 §5, §6, §12), page by page: the password
rules inside the element the field points to, "(facultatif)" on the optional fields of mixed
forms, breadcrumbs as a list in a nav, a list's title naming its filters and page, the current
page of every pagination, the back office's menu on every back-office page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from passplus.accounts.models import User
from passplus.organisations.models import Organisation
from tests.helpers import factories
from tests.helpers.accounts import log_in_new_user
from tests.helpers.affiliation import correspondent_of, identification_data
from tests.helpers.database import assert_unchanged
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db


def title(response: object) -> str:
    page = parse_html(response)  # type: ignore[arg-type]
    assert page.title is not None
    return " ".join(page.title.get_text().split())


def test_the_new_password_points_to_the_rules_themselves(client: Client) -> None:
    client.force_login(factories.UserFactory(organisation_member=True))
    page = parse_html(client.get(reverse("accounts:password_change")))

    field = page.select_one("#id_new_password1")
    assert field is not None
    described = [page.select_one(f"#{ident}") for ident in str(field["aria-describedby"]).split()]
    rules = " ".join(element.get_text(" ", strip=True) for element in described if element)
    assert "caractères" in rules  # the list of rules is inside the described element
    assert all(element is not None and element.get_text(strip=True) for element in described)
    # A browser ends a <p> where a list starts: the rules would fall out of it, leaving the
    # field described by an empty paragraph (html.parser, lenient, would not show it).
    assert not [element for element in described if element and element.name == "p"]


def test_optional_fields_of_a_mixed_form_say_so_and_required_ones_do_not(client: Client) -> None:
    client.force_login(correspondent_of("92050"))
    page = parse_html(client.get(reverse("correspondent:register")))

    def label(name: str) -> str:
        return text_of(page, f"label[for=id_{name}]")

    for optional in ("acronym", "contact_phone"):
        assert label(optional).endswith("(facultatif)"), label(optional)
    for required in ("legal_name", "contact_email"):
        assert "facultatif" not in label(required), label(required)


def test_a_filter_form_whose_fields_are_all_optional_marks_none(client: Client) -> None:
    page = parse_html(client.get(reverse("public:directory")))
    assert "facultatif" not in text_of(page, "form[role=search]")


@pytest.mark.parametrize(
    ("url", "crumbs"),
    [
        (reverse("public:help_families"), ["Aide", "Familles"]),
        (reverse("backoffice:organisations"), ["Gestion", "Organismes"]),
    ],
)
def test_breadcrumbs_are_a_list_in_a_nav_ending_on_the_current_page(
    client: Client, url: str, crumbs: list[str]
) -> None:
    log_in_new_user(client)
    page = parse_html(client.get(url))
    items = page.select('nav[aria-label="Fil d\'Ariane"] ol.breadcrumb > li')
    assert [item.get_text(strip=True) for item in items] == crumbs
    assert items[-1].get("aria-current") == "page"
    assert all(item.select_one("a") for item in items[:-1])


def test_a_filtered_list_and_its_second_page_have_their_own_titles(client: Client) -> None:
    for number in range(25):
        factories.OrganisationFactory(
            public_name=f"Club {number:02d}", commune=factories.commune("92002")
        )
    directory = reverse("public:directory")

    whole = title(client.get(directory))
    filtered = title(client.get(directory, {"commune": "92002"}))
    second = title(client.get(directory, {"commune": "92002", "page": 2}))

    assert whole == "Annuaire des organismes partenaires — Pass+ Hauts-de-Seine"
    assert filtered.startswith("Annuaire des organismes partenaires (Commune : Antony")
    assert second.startswith("Annuaire des organismes partenaires (Commune : Antony")
    assert "page 2 sur 2" in second and "page" not in filtered.split("(")[1]
    assert len({whole, filtered, second}) == 3


def test_every_pagination_marks_its_current_page(client: Client) -> None:
    member = factories.UserFactory(organisation_member=True)
    for _ in range(51):  # 50 a page
        factories.RedemptionFactory(organisation=member.organisation)
    client.force_login(member)

    page = parse_html(client.get(reverse("partner:redemptions")))

    current = page.select_one("nav .pagination [aria-current=page]")
    assert current is not None and current.get_text(strip=True).startswith("Page 1 sur")


@pytest.mark.parametrize(
    "name", ["backoffice:home", "backoffice:organisations", "backoffice:audit_log"]
)
def test_the_back_office_menu_is_on_every_back_office_page(client: Client, name: str) -> None:
    log_in_new_user(client)
    page = parse_html(client.get(reverse(name)))
    menu = page.select_one("header nav[aria-label='Pages de gestion']")
    assert menu is not None
    assert page.select_one("header form[role=search] #recherche-gestion") is not None
    current = menu.select("[aria-current=page]")
    assert [link["href"] for link in current] in ([reverse(name)], [])
    if name != "backoffice:home":
        assert [link["href"] for link in current] == [reverse(name)]


def test_nobody_else_sees_the_back_office_menu(client: Client) -> None:
    client.force_login(User.objects.get(pk=factories.UserFactory(organisation_member=True).pk))
    page = parse_html(client.get(reverse("partner:home")))
    assert page.select_one("nav[aria-label='Pages de gestion']") is None


def test_a_group_error_is_inside_its_legend_and_linked_from_the_summary(client: Client) -> None:
    client.force_login(correspondent_of("92050"))
    data = identification_data(legal_form="")

    with assert_unchanged(counted=[Organisation]):
        response = client.post(reverse("correspondent:register"), data)

    page = parse_html(response)
    legend = page.select_one("fieldset:has(input[name=legal_form]) legend")
    assert legend is not None
    error = legend.select_one("#id_legal_form_error")
    assert error is not None and error.get_text(strip=True)  # read with each radio's group name
    summary = page.select_one("#resume-erreurs")
    assert summary is not None and summary.select_one("a[href='#id_legal_form_0']") is not None
