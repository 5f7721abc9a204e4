"""Actions that cannot be undone ask for a ticked box, not one click (WCAG 3.3.4; issue 22 §7):
terminating an affiliation, voiding a ticket, rejecting a transfer, approving a run, marking a
whole run paid (its clubs are told they were paid). Without the
box the action is refused in French and nothing changes; the page shows the box beside its
button."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.organisations.enums import OrganisationStatus
from passplus.payments.models import PaymentRunStatus, PaymentStatus
from passplus.tickets.models import TicketStatus
from passplus.www.backoffice.forms import IRREVERSIBLE
from tests.helpers import factories
from tests.helpers.backoffice import CONFIRMED, messages_of
from tests.helpers.database import assert_unchanged, db_row
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db


def box_beside(page_html: Any, action: str) -> bool:
    """Whether the form posting to `action` has a required confirmation box with a label."""
    form = parse_html(page_html).select_one(f"form[action='{action}']")
    box = form.select_one("input[type=checkbox][name=confirm][required]") if form else None
    return bool(box and form.select_one(f"label[for='{box['id']}']"))


def test_terminating_needs_the_box(client: Client) -> None:
    client.force_login(factories.UserFactory(gestionnaire=True))
    organisation = factories.OrganisationFactory()
    url = reverse("backoffice:organisation_terminate", args=[organisation.pk])
    assert box_beside(client.get(reverse("backoffice:organisation", args=[organisation.pk])), url)

    with assert_unchanged(organisation):
        response = client.post(url, {"reason": "Fin d'activité"}, follow=True)
    assert messages_of(response) == [IRREVERSIBLE]

    client.post(url, {"reason": "Fin d'activité", **CONFIRMED})
    assert db_row(organisation)["status"] == OrganisationStatus.TERMINATED


def test_voiding_a_ticket_needs_the_box(client: Client) -> None:
    client.force_login(factories.UserFactory(gestionnaire=True))
    ticket = factories.TicketFactory()
    url = reverse("backoffice:ticket_void", args=[ticket.pk])
    assert box_beside(client.get(reverse("backoffice:ticket", args=[ticket.pk])), url)

    with assert_unchanged(ticket):
        response = client.post(url, {"reason": "Fraude"}, follow=True)
    assert IRREVERSIBLE in " ".join(messages_of(response))

    client.post(url, {"reason": "Fraude", **CONFIRMED})
    assert db_row(ticket)["status"] == TicketStatus.VOID


def test_approving_a_run_needs_the_box(client: Client) -> None:
    run = factories.PaymentRunFactory(built_by=factories.UserFactory(finance=True))
    client.force_login(factories.UserFactory(finance=True))
    url = reverse("backoffice:payment_run_approve", args=[run.pk])
    assert box_beside(client.get(reverse("backoffice:payment_run", args=[run.pk])), url)

    with assert_unchanged(run):
        response = client.post(url, follow=True)
    assert messages_of(response) == [IRREVERSIBLE]

    client.post(url, CONFIRMED)
    assert db_row(run)["status"] == PaymentRunStatus.APPROVED


def test_marking_a_whole_run_paid_needs_the_box(client: Client) -> None:
    run = factories.PaymentRunFactory(sent=True)
    payment = factories.PaymentFactory(run=run, ticket_count=1)
    factories.RedemptionFactory(organisation=payment.organisation, in_payment=True, payment=payment)
    client.force_login(factories.UserFactory(finance=True))
    url = reverse("backoffice:payment_run_all_paid", args=[run.pk])
    assert box_beside(client.get(reverse("backoffice:payment_run", args=[run.pk])), url)

    with assert_unchanged(run, payment):
        response = client.post(url, follow=True)
    assert messages_of(response) == [IRREVERSIBLE]

    client.post(url, CONFIRMED)
    assert db_row(payment)["status"] == PaymentStatus.PAID
    assert db_row(run)["status"] == PaymentRunStatus.CLOSED


def test_rejecting_a_transfer_needs_the_box(client: Client) -> None:
    run = factories.PaymentRunFactory(sent=True)
    payment = factories.PaymentFactory(run=run)
    factories.RedemptionFactory(organisation=payment.organisation, in_payment=True, payment=payment)
    client.force_login(factories.UserFactory(finance=True))
    url = reverse("backoffice:payment_rejected", args=[run.pk, payment.pk])
    assert box_beside(client.get(reverse("backoffice:payment_run", args=[run.pk])), url)

    with assert_unchanged(payment, run):
        response = client.post(url, {"reason": "AC04 compte clos"}, follow=True)
    assert messages_of(response) == [IRREVERSIBLE]

    client.post(url, {"reason": "AC04 compte clos", **CONFIRMED})
    assert db_row(payment)["status"] == PaymentStatus.REJECTED
