"""Issue 33 §6, the signature for two people: the person at the keyboard (the treasurer) is
often not the legal representative who receives the code. The SMS step says whose mobile the
code goes to and that they may have to ask for it; « Envoyer un nouveau code au représentant
légal » comes after the code field."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from tests.helpers.affiliation import fill_until, signing_partner, step_url
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_sms_step_names_the_representative_and_the_number_ending(client: Client) -> None:
    signing_partner(client)
    fill_until(client, "conditions")

    page = parse_html(client.get(step_url("signature")))

    main = words(page.select_one("main").get_text(" "))
    assert "sur le portable de Paul Durand, représentant légal" in main
    assert "numéro se terminant par 78" in main  # the masked number, read as words
    assert "demandez-lui de vous communiquer le code" in main
    buttons = [words(b.get_text()) for b in page.select("main button")]
    assert buttons == ["Envoyer le code au représentant légal"]


def test_the_new_code_button_comes_after_the_code_field(client: Client) -> None:
    signing_partner(client)
    fill_until(client, "conditions")
    client.post(step_url("signature"), {"action": "send"})

    page = parse_html(client.get(step_url("signature")))

    order = [
        "code" if element.name == "input" else words(element.get_text())
        for element in page.select("main input[name=code], main button")
    ]
    assert order == [
        "code",
        "Signer la convention",
        "Envoyer un nouveau code au représentant légal",
    ]


def test_without_a_representatives_name_the_page_says_the_legal_representative() -> None:
    """The bank-detail change shares the SMS step; an organisation without a representative's
    name reads « du représentant légal », not « de le représentant légal »."""
    request = RequestFactory().get("/")
    html = render_to_string(
        "partner/includes/sms_code.html",
        {
            "outcome": "Le changement est confirmé",
            "signer": "",
            "masked_mobile": "+33 6 •• •• •• 25",
            "code_sent": False,
            "send_label": "Envoyer le code",
            "resend_label": "Envoyer un nouveau code",
            "submit_label": "Confirmer le changement",
        },
        request=request,
    )
    text = " ".join(parse_html(html).get_text().split())
    assert "sur le portable du représentant légal au +33 6" in text
    assert "numéro se terminant par 25" in text
    assert "de le représentant" not in text
    assert "Si vous n'êtes pas le représentant légal, demandez-lui" in text
