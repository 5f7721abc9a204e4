"""Issue 32 (RGAA 11.10): an error summary reads each field's label as plain text. A label that
holds a link (the wizard's "J'accepte le <a>règlement du dispositif</a>") was shown with its
markup, on screen and to screen readers. Here every form a partner in the middle of the wizard
and a correspondent can reach is refused (sent empty), and no summary shows markup; the demo
crawl of every role does the same (tests/www/test_demo_forms.py)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from passplus.www.partner.wizard_forms import ConditionsForm
from passplus.www.templatetags.form_errors import summary_lines
from tests.helpers.accounts import VerifiedClient
from tests.helpers.affiliation import correspondent_of, fill_until, signing_partner, step_url
from tests.helpers.form_refusals import reachable_forms, summary_markup
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db


def refuse_every_form(client: VerifiedClient, start: str) -> tuple[int, list[str]]:
    """(how many forms answered with an error summary, the summary lines showing markup)."""
    refused, markup = 0, []
    for form in reachable_forms(client, start):
        response = client.post(form.target, form.data(""))
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        page = BeautifulSoup(response.content, "html.parser")
        refused += page.select_one("#resume-erreurs") is not None
        markup.extend(f"POST {form.target}: {line!r}" for line in summary_markup(page))
    return refused, markup


def test_no_summary_of_a_partner_in_the_wizard_shows_markup() -> None:
    client = VerifiedClient()
    signing_partner(client)
    fill_until(client, "recapitulatif")  # the conditions step is open

    refused, markup = refuse_every_form(client, reverse("partner:home"))

    assert markup == []
    assert refused >= 3  # eligibility, contact, bank, conditions… were refused and checked


def test_no_summary_of_a_correspondent_shows_markup() -> None:
    client = VerifiedClient()
    client.force_login(correspondent_of("92050"))

    refused, markup = refuse_every_form(client, reverse("correspondent:home"))

    assert markup == []
    assert refused >= 1


def test_the_conditions_summary_names_each_box_by_its_text(client: Client) -> None:
    signing_partner(client)
    fill_until(client, "recapitulatif")

    # Neither box ticked (a browser sends the CSRF token: the POST is never empty).
    page = parse_html(client.post(step_url("conditions"), {"accept_rules": ""}))

    links = [" ".join(a.get_text(" ").split()) for a in page.select("#resume-erreurs a")]
    assert len(links) == 2
    assert links[0].startswith("J'accepte le règlement du dispositif (version ")
    assert links[0].endswith(" : Acceptez le règlement du dispositif pour continuer.")
    assert links[1].startswith("J'accepte les conditions générales de la convention (version ")
    # The boxes' own labels keep their links to the text they accept.
    assert page.select_one("label[for=id_accept_rules] a[href$='#reglement']") is not None


def test_a_label_with_markup_gives_its_text_to_the_summary() -> None:
    form = ConditionsForm({}, version_url="/aide/convention/<v>/", version_label="2026-1 & bis")
    assert not form.is_valid()

    labels = [line.label for line in summary_lines(form)]

    assert labels == [
        "J'accepte le règlement du dispositif (version 2026-1 & bis).",
        "J'accepte les conditions générales de la convention (version 2026-1 & bis).",
    ]
