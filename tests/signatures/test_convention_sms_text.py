"""Issue 33 §6: the signature code's SMS reaches the legal representative, who may not be the
person filling the wizard: it names the scheme and the organisation, says the code is for
signing its convention, and fits one SMS segment (GSM-7, 160 characters) even for the longest
names — the acronym stands in for a name too long, else the name is cut."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from passplus.notifications import sms
from passplus.organisations.models import Organisation
from passplus.signatures.sms_text import GSM7_BASIC, convention_code_sms, gsm7_length
from tests.helpers.affiliation import fill_until, signing_partner, step_url
from tests.helpers.tasks import run_queued_tasks

LONG_NAME = (
    "Association sportive, culturelle et d'éducation populaire des jeunes de "
    "Châtenay-Malabry, Fontenay-aux-Roses et des communes environnantes du Val de Bièvre"
)


def test_the_sms_names_the_scheme_the_organisation_and_the_convention() -> None:
    text = convention_code_sms(
        scheme="Pass+ Hauts-de-Seine", name="US Nanterre", acronym="", code="123456"
    )

    assert text.startswith("Pass+ Hauts-de-Seine : code 123456 pour signer la convention de ")
    assert "US Nanterre" in text
    assert gsm7_length(text) <= 160


def test_a_long_name_gives_way_to_the_acronym_within_one_segment() -> None:
    text = convention_code_sms(
        scheme="Pass+ Hauts-de-Seine", name=LONG_NAME, acronym="ASCEP-VB", code="123456"
    )

    assert "convention de ASCEP-VB." in text
    assert gsm7_length(text) <= 160
    assert set(text) <= GSM7_BASIC


def test_a_long_name_without_acronym_is_cut_and_made_gsm7() -> None:
    text = convention_code_sms(
        scheme="Pass+ Hauts-de-Seine", name=LONG_NAME, acronym="", code="123456"
    )

    assert "convention de Association sportive" in text
    assert gsm7_length(text) <= 160
    assert set(text) <= GSM7_BASIC  # "â" of Châtenay is not GSM-7 (the SMS would be UCS-2)


@pytest.mark.django_db
def test_the_code_sent_from_the_wizard_names_the_organisation(client: Client) -> None:
    signing_partner(client)
    fill_until(client, "conditions")
    organisation = Organisation.objects.get()

    client.post(step_url("signature"), {"action": "send"})
    run_queued_tasks()

    text = sms.outbox[-1].text
    assert text.startswith(f"{settings.PASSPLUS_SCHEME_NAME} : code ")
    assert f"pour signer la convention de {organisation.display_name}." in text
    assert gsm7_length(text) <= 160
