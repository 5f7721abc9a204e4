"""Issue 33 §6: the review step shows the IBAN just typed in full to the person who typed it
(their own input, in this session, to check it digit by digit); anyone else, or the same
person in another session, sees it masked as everywhere else."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers.affiliation import bank_data, fill_until, post_step, signing_partner, step_url
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db

IN_FULL = "FR76 3000 6000 0112 3456 7890 189"


def iban_shown(client: Client) -> str:
    page = parse_html(client.get(step_url("recapitulatif")))
    term = next(dt for dt in page.select("dl.summary dt") if dt.get_text(strip=True) == "IBAN")
    return " ".join(term.find_next_sibling("dd").get_text(" ").split())


def test_the_person_who_typed_the_iban_sees_it_in_full_on_the_review(client: Client) -> None:
    signing_partner(client)
    fill_until(client, "banque")

    assert IN_FULL in iban_shown(client)


def test_another_session_sees_the_iban_masked_on_the_review(client: Client) -> None:
    treasurer = signing_partner(client)
    fill_until(client, "banque")
    other = Client()
    other.force_login(treasurer)

    shown = iban_shown(other)

    assert IN_FULL not in shown
    assert "189" in shown and "•" in shown


def test_an_iban_changed_elsewhere_since_is_masked_again(client: Client) -> None:
    treasurer = signing_partner(client)
    fill_until(client, "banque")
    other = Client()
    other.force_login(treasurer)
    response = post_step(other, "banque", bank_data(iban="FR14 2004 1010 0505 0001 3M0 2606"))
    assert response.status_code == 302

    shown = iban_shown(client)

    assert "FR14 2004" not in shown
    assert "•" in shown
