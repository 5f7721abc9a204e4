"""A run of thousands of transfers is shown one page of rows at a time: the totals count them
all, the title names the page, and a row's "Payé" or "Rejeté" brings the agent back to the page
the row was on."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.payments.models import PaymentRun, PaymentRunStatus, PaymentStatus
from passplus.www.backoffice import payment_runs
from tests.helpers.backoffice import CONFIRMED
from tests.helpers.database import db_row
from tests.helpers.factories import UserFactory
from tests.helpers.pages import parse_html, text_of
from tests.helpers.payments import payment_with_redemptions, run_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_of_five(monkeypatch: pytest.MonkeyPatch, client: Client) -> PaymentRun:
    monkeypatch.setattr(payment_runs, "PAYMENTS_PER_PAGE", 2)
    run = run_in(PaymentRunStatus.SENT)
    for name in ["Aviron", "Basket", "Cirque", "Danse", "Escrime"]:
        payment = payment_with_redemptions(run, count=1)
        payment.organisation.legal_name = payment.organisation.public_name = name
        payment.organisation.save(update_fields=["legal_name", "public_name"])
    client.force_login(UserFactory(finance=True))
    return run


def clubs_listed(page: Any) -> list[str]:
    return [text_of(row, "td a") for row in page.select("#virements ~ tbody tr")]


def test_the_transfers_are_paged_and_the_totals_count_them_all(
    client: Client, run_of_five: PaymentRun
) -> None:
    url = reverse("backoffice:payment_run", args=[run_of_five.pk])

    first = parse_html(client.get(url))
    second = parse_html(client.get(url, {"page": 2}))
    last = parse_html(client.get(url, {"page": "abc"}))  # not a number: the first page

    assert clubs_listed(first) == ["Aviron", "Basket"]
    assert clubs_listed(second) == ["Cirque", "Danse"]
    assert clubs_listed(last) == ["Aviron", "Basket"]
    assert "5 virements" in text_of(second, "main dl")
    assert "Marquer les 5 virements en attente comme payés" in text_of(second, "#actions")
    assert "page 2 sur 3" in text_of(second, "title")
    nav = second.select_one("nav[aria-label='Pages des virements']")
    assert nav is not None and "Page 2 sur 3" in text_of(nav, "[aria-current=page]")


def test_a_rows_action_comes_back_to_its_page(client: Client, run_of_five: PaymentRun) -> None:
    cirque = run_of_five.payments.get(organisation__legal_name="Cirque")
    danse = run_of_five.payments.get(organisation__legal_name="Danse")
    run_url = reverse("backoffice:payment_run", args=[run_of_five.pk])

    paid = client.post(
        reverse("backoffice:payment_paid", args=[run_of_five.pk, cirque.pk]), {"page": "2"}
    )
    rejected = client.post(
        reverse("backoffice:payment_rejected", args=[run_of_five.pk, danse.pk]),
        {"page": "2", "reason": "AC04 compte clos", **CONFIRMED},
    )
    refused = client.post(  # no box ticked: back to the same page, nothing done
        reverse("backoffice:payment_rejected", args=[run_of_five.pk, cirque.pk]),
        {"page": "3", "reason": "AC04"},
    )
    odd = client.post(  # anything but a page number is ignored
        reverse("backoffice:payment_paid", args=[run_of_five.pk, danse.pk]),
        {"page": "//evil.example/"},
    )

    assert paid["Location"] == rejected["Location"] == f"{run_url}?page=2#virements"
    assert refused["Location"] == f"{run_url}?page=3#virements"
    assert odd["Location"] == f"{run_url}#virements"
    assert db_row(cirque)["status"] == PaymentStatus.PAID
    assert db_row(danse)["status"] == PaymentStatus.REJECTED


def test_each_rows_forms_carry_the_page_they_are_on(
    client: Client, run_of_five: PaymentRun
) -> None:
    page = parse_html(
        client.get(reverse("backoffice:payment_run", args=[run_of_five.pk]), {"page": 3})
    )

    forms = page.select("#virements ~ tbody form")
    assert len(forms) == 2  # "Payé" and "Rejeté" of the one row on page 3
    assert {form.select_one("input[name=page]")["value"] for form in forms} == {"3"}
