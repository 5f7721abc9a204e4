"""Every field that asks for a name, an e-mail, a telephone number, an address or an
organisation says what it is to the browser (WCAG 1.3.5, RGAA 11.13; issue 22 §8), with the
token of `passplus.www.autocomplete.AUTOCOMPLETE`; only a field about someone else may say
"off" (a colleague's address, the organisation a correspondent registers and its contact).
The demo crawl checks the pages of each role the same way."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from passplus.www.autocomplete import AUTOCOMPLETE
from tests.helpers.affiliation import correspondent_of, fill_until, signing_partner, step_url
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db


def tokens(page: BeautifulSoup) -> dict[str, str]:
    """Field name -> its autocomplete attribute ('' if none), for the fields of the mapping."""
    return {
        str(field["name"]): str(field.get("autocomplete", ""))
        for field in page.select("input[name], select[name], textarea[name]")
        if str(field["name"]) in AUTOCOMPLETE
    }


def test_the_conventions_contact_step_names_the_representative_and_the_organisation(
    client: Client,
) -> None:
    signing_partner(client)
    fill_until(client, "eligibilite")

    found = tokens(parse_html(client.get(step_url("coordonnees"))))

    assert found["representative_name"] == "name"
    assert found["public_contact_name"] == "name"
    assert found["public_name"] == "organization"
    assert found["representative_mobile"] == "tel"
    assert found == {name: AUTOCOMPLETE[name] for name in found}
    assert len(found) >= 10


def test_the_correspondents_form_offers_none_of_their_own_data_for_someone_else(
    client: Client,
) -> None:
    """The organisation and its contact are not the correspondent: "off" (issue 32); the
    whole list is tested in tests/www/correspondent/test_identification_form_markup.py."""
    client.force_login(correspondent_of("92050"))

    found = tokens(parse_html(client.get(reverse("correspondent:register"))))

    assert found["contact_name"] == "off"
    assert found["legal_name"] == "off"
    assert set(found.values()) == {"off"}


@pytest.mark.parametrize("url", [reverse("accounts:login"), reverse("accounts:password_reset")])
def test_the_login_and_reset_pages_ask_for_the_email_by_its_name(client: Client, url: str) -> None:
    found = tokens(parse_html(client.get(url)))
    assert found and set(found.values()) == {"email"}
