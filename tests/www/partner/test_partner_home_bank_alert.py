"""Issue 33 §3: with no validated bank details, the partner's home opens on an alert with one
action (the bank-details page); with validated details there is no alert."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from passplus.organisations.enums import BankAccountStatus
from tests.helpers.factories import BankAccountFactory, OrganisationFactory, UserFactory
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db


def test_missing_bank_details_are_the_first_thing_under_the_heading_with_one_action(
    client: Client,
) -> None:
    organisation = OrganisationFactory()
    account = BankAccountFactory(organisation=organisation, validated=True)
    account.status = BankAccountStatus.INVALID  # a transfer to it was rejected
    account.save(update_fields=["status"])
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))

    main = parse_html(client.get(reverse("partner:home"))).select_one("main")
    assert main is not None
    heading, first = [tag for tag in main.find_all(recursive=True) if tag.parent == main][:2]
    assert heading.name == "h1"
    assert "message" in first["class"] and "message-error" in first["class"]
    assert "remboursements sont en attente" in first.get_text()
    (link,) = first.find_all("a")
    assert link["href"] == reverse("partner:bank_details")
    assert "Saisir de nouvelles coordonnées bancaires" in link.get_text()


def test_no_alert_when_the_bank_details_are_validated(client: Client) -> None:
    organisation = OrganisationFactory()
    BankAccountFactory(organisation=organisation, validated=True)
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))

    main = parse_html(client.get(reverse("partner:home"))).select_one("main")
    assert main is not None
    assert main.select(".message-error") == []
