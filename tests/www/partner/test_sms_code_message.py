"""Issue 32 (RGAA 13.5): once « M'envoyer le code » is pressed, the message that takes the focus
and the page's title say where the code went in words — « au numéro se terminant par 78 » —
as the paragraph below them does, not as a masked number whose bullets a screen reader reads
aloud. Both SMS-code flows: the convention's signature and a bank-details change."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers.affiliation import bank_data, fill_until, signing_partner, step_url
from tests.helpers.factories import BankAccountFactory, OrganisationFactory, UserFactory
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db


def announced(response: Any) -> tuple[str, str]:
    """(the page's title, the message that takes the focus)."""
    page = parse_html(response)
    assert page.title is not None
    return " ".join(page.title.get_text().split()), text_of(page, "#messages")


def test_the_signature_code_is_announced_as_sent_to_the_number_ending_in_its_digits(
    client: Client,
) -> None:
    signing_partner(client)
    fill_until(client, "conditions")
    client.get(step_url("signature"))  # reads the "account created" message

    response = client.post(step_url("signature"), {"action": "send"}, follow=True)

    title, message = announced(response)
    expected = "Code envoyé par SMS au numéro se terminant par 78. Il est valable 10 minutes."
    assert message == expected
    assert title.startswith(f"{expected} — ")
    assert "•" not in title + message


def test_the_bank_change_code_is_announced_as_sent_to_the_number_ending_in_its_digits(
    client: Client,
) -> None:
    organisation = OrganisationFactory(representative_mobile="+33698765425")
    BankAccountFactory(organisation=organisation, validated=True)
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    data = bank_data(iban="FR76 3000 4000 0312 3456 7890 143")
    assert client.post(reverse("partner:bank_details"), data).status_code == 302
    client.get(reverse("partner:bank_details_confirm"))  # reads the "saved" message

    response = client.post(reverse("partner:bank_details_confirm"), {"action": "send"}, follow=True)

    title, message = announced(response)
    expected = "Code envoyé par SMS au numéro se terminant par 25. Il est valable 10 minutes."
    assert message == expected
    assert title.startswith(f"{expected} — ")
    assert "•" not in title + message
