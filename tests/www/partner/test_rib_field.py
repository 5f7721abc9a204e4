"""Issue 32 (RGAA 11.10): the RIB file is required — marked so (no « facultatif », the
`required` attribute that screen readers announce) — whenever no RIB of the details being
entered is on file, and optional only when one is: the bank-details change of "Mon compte"
always needs one; the wizard's bank step needs one unless its draft has the RIB of the same
IBAN. A new IBAN sent without its RIB is refused and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from django.test import Client
from django.urls import reverse

from passplus.organisations.models import BankAccount, Organisation
from tests.helpers.affiliation import (
    IBAN_WITHOUT_DERIVABLE_BIC,
    bank_data,
    fill_until,
    post_step,
    signing_partner,
    step_url,
)
from tests.helpers.database import assert_unchanged
from tests.helpers.factories import BankAccountFactory, OrganisationFactory, UserFactory
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db


def rib_field(page: BeautifulSoup) -> tuple[str, Tag]:
    """(the RIB field's label, its input)."""
    field = page.select_one("input#id_rib_document")
    assert field is not None
    return text_of(page, "label[for=id_rib_document]"), field


@pytest.fixture
def affiliated_client(client: Client) -> Client:
    organisation = OrganisationFactory()
    BankAccountFactory(organisation=organisation, validated=True)
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    return client


def test_the_rib_of_a_bank_details_change_is_marked_required(affiliated_client: Client) -> None:
    page = parse_html(affiliated_client.get(reverse("partner:bank_details")))

    label, field = rib_field(page)
    assert "facultatif" not in label
    assert field.has_attr("required")


def test_a_bank_details_change_without_its_rib_is_refused_on_the_rib_field(
    affiliated_client: Client,
) -> None:
    data = bank_data(iban="FR76 3000 4000 0312 3456 7890 143", rib_document="")
    response = affiliated_client.post(reverse("partner:bank_details"), data)

    page = parse_html(response)
    assert "Joignez votre RIB" in text_of(page, "#id_rib_document_error")
    label, field = rib_field(page)
    assert "facultatif" not in label and field.has_attr("required")


def test_the_wizards_first_rib_is_marked_required(client: Client) -> None:
    signing_partner(client)
    fill_until(client, "coordonnees")

    label, field = rib_field(parse_html(client.get(step_url("banque"))))

    assert "facultatif" not in label
    assert field.has_attr("required")


def test_the_wizards_rib_on_file_makes_the_field_optional_and_says_for_which_iban(
    client: Client,
) -> None:
    signing_partner(client)
    fill_until(client, "banque")

    page = parse_html(client.get(step_url("banque")))

    label, field = rib_field(page)
    assert label.endswith("(facultatif)")
    assert not field.has_attr("required")
    help_text = text_of(page, "#id_rib_document_helptext")
    assert "IBAN se terminant par 0189" in help_text
    assert "si vous changez d'IBAN" in help_text


def test_a_new_iban_without_its_rib_is_refused_even_with_a_rib_on_file(client: Client) -> None:
    user = signing_partner(client)
    fill_until(client, "banque")
    organisation: Organisation = user.organisation
    account = BankAccount.objects.get(organisation=organisation)

    with assert_unchanged(organisation, account, counted=[BankAccount]):
        response = post_step(
            client,
            "banque",
            bank_data(iban=IBAN_WITHOUT_DERIVABLE_BIC, bic="AGRIFRPP", rib_document=""),
        )

    assert "Joignez le RIB de ce compte" in text_of(parse_html(response), "#id_rib_document_error")


def test_the_same_iban_without_a_new_rib_keeps_the_one_on_file(client: Client) -> None:
    user = signing_partner(client)
    fill_until(client, "banque")

    response: Any = post_step(client, "banque", bank_data(holder="USN", rib_document=""))

    assert response.status_code == 302
    account = BankAccount.objects.get(organisation=user.organisation)
    assert account.holder == "USN" and account.rib_document
