"""Issue 33 §6: the wizard pages it changed — the review with the IBAN in full, the conditions
with their texts in <details>, the SMS step before and after the code is sent — are valid HTML
(Nu HTML Checker, as tests/www/test_html_validity.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from tests.helpers.affiliation import fill_until, signing_partner, step_url
from tests.helpers.html_validity import needs_the_checker, validation_errors

pytestmark = [needs_the_checker, pytest.mark.django_db]


def test_the_changed_wizard_pages_are_valid_html(client: Client, tmp_path: Path) -> None:
    signing_partner(client)
    fill_until(client, "banque")
    pages = {"recapitulatif": client.get(step_url("recapitulatif")).content}
    fill_until(client, "conditions")
    pages["conditions"] = client.get(step_url("conditions")).content
    pages["signature"] = client.get(step_url("signature")).content
    client.post(step_url("signature"), {"action": "send"})
    pages["signature, code envoyé"] = client.get(step_url("signature")).content

    assert validation_errors(pages, tmp_path) == []
