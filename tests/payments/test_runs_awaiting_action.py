"""A payment run waiting for its check or its approval reaches the finance users who may act
(issue 33 §4): it is listed in « À traiter » for them only (never the builder or the checker for
the approval), they are e-mailed once when it becomes ready, and « Remboursements » lists it
first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.payments.build import payment_run_build
from passplus.payments.services import payment_run_check
from tests.helpers.factories import PaymentRunFactory, UserFactory
from tests.helpers.pages import parse_html
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

QUEUE = reverse("backoffice:review_queue")


def awaiting_section(client: Client) -> str:
    page = parse_html(client.get(QUEUE))
    section = page.select_one("#campagnes-en-attente")
    assert section is not None
    return " ".join(section.get_text().split())


def test_a_system_built_run_is_e_mailed_once_to_finance_for_its_check_then_for_its_approval() -> (
    None
):
    first = UserFactory(finance=True, email="premiere@finances.example.fr")
    second = UserFactory(finance=True, email="second@finances.example.fr")
    UserFactory(gestionnaire=True, email="gestion@example.fr")

    run = payment_run_build(cut_off=timezone.now() + dt.timedelta(days=1))
    payment_run_build(cut_off=run.cut_off)  # built twice: nothing new
    run_queued_tasks()

    (to_check,) = mail.outbox
    assert sorted(to_check.to) == sorted([first.email, second.email])
    assert "campagne de remboursement à vérifier" in to_check.subject
    assert reverse("backoffice:payment_run", args=[run.pk]) in to_check.body

    mail.outbox.clear()
    payment_run_check(run=run, actor=first)
    run_queued_tasks()

    (to_approve,) = mail.outbox
    assert to_approve.to == [second.email]  # never the checker
    assert "campagne de remboursement à approuver" in to_approve.subject


def test_a_run_built_by_a_person_is_e_mailed_to_the_other_finance_users_for_approval() -> None:
    builder = UserFactory(finance=True)
    other = UserFactory(finance=True)

    payment_run_build(cut_off=timezone.now() + dt.timedelta(days=1), actor=builder)
    run_queued_tasks()

    (message,) = mail.outbox
    assert message.to == [other.email]
    assert "à approuver" in message.subject


def test_review_queue_lists_a_run_only_for_the_finance_users_who_may_act(client: Client) -> None:
    run = PaymentRunFactory(checked=True)
    approver = UserFactory(finance=True)

    client.force_login(approver)
    assert f"Campagne de remboursement du {timezone.localtime(run.cut_off):%d/%m/%Y}" in (
        awaiting_section(client)
    )
    assert "à approuver" in awaiting_section(client)

    client.force_login(run.checked_by)
    assert "Aucune campagne de remboursement n'attend votre action." in awaiting_section(client)

    client.force_login(UserFactory(gestionnaire=True))
    assert "Aucune campagne de remboursement n'attend votre action." in awaiting_section(client)


def test_review_queue_lists_a_system_built_draft_for_its_check(client: Client) -> None:
    PaymentRunFactory(built_by=None)
    client.force_login(UserFactory(finance=True))

    assert "à vérifier" in awaiting_section(client)


def test_runs_page_lists_the_runs_awaiting_the_user_first_above_the_exceptional_run_form(
    client: Client,
) -> None:
    builder = UserFactory(finance=True)
    run = PaymentRunFactory(built_by=builder)
    client.force_login(UserFactory(finance=True))

    page = parse_html(client.get(reverse("backoffice:payment_runs")))
    awaiting = page.select_one("#a-votre-action")
    assert awaiting is not None
    link = awaiting.select_one("a")
    assert link is not None
    assert link["href"] == reverse("backoffice:payment_run", args=[run.pk])
    html = str(page)
    assert html.index('id="a-votre-action"') < html.index('id="preparer"')

    client.force_login(builder)
    page = parse_html(client.get(reverse("backoffice:payment_runs")))
    assert page.select_one("#a-votre-action a") is None
