"""Back office: the audit log, filtered by actor, object, action and date; every action the
code records has a French label."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.audit.labels import ACTION_LABELS
from passplus.audit.models import AuditEvent
from tests.helpers.factories import OrganisationFactory, TicketFactory, UserFactory
from tests.helpers.pages import parse_html, text_of
from tests.helpers.paths import ROOT

pytestmark = pytest.mark.django_db

LOG = reverse("backoffice:audit_log")
PACKAGE = ROOT / "passplus"


def login(client: Client, **role: Any) -> Any:
    user = UserFactory(**role)
    client.force_login(user)
    return user


def actions_shown(client: Client, **params: Any) -> list[str]:
    page = parse_html(client.get(LOG, params))
    return [
        " ".join(row.select("td")[2].get_text().split()) for row in page.select("main tbody tr")
    ]


@pytest.fixture
def events() -> dict[str, Any]:
    """A ticket voided by one agent, an organisation suspended by another, last week."""
    voider = UserFactory(gestionnaire=True, email="agent.un@departement.example.fr")
    suspender = UserFactory(gestionnaire=True, email="agent.deux@departement.example.fr")
    ticket = TicketFactory()
    ticket.void(actor=voider, reason="Fraude")
    organisation = OrganisationFactory()
    organisation.suspend(actor=suspender, reason="Contrôle")
    last_week = timezone.now() - dt.timedelta(days=7)
    AuditEvent.objects.filter(action="organisation.suspend").update(created_at=last_week)
    return {"ticket": ticket, "organisation": organisation, "last_week": last_week}


def test_the_log_lists_every_event_latest_first(client: Client, events: dict[str, Any]) -> None:
    login(client, finance=True)
    assert actions_shown(client) == ["Ticket annulé", "Suspension"]


def test_filters_by_actor_action_object_and_date(client: Client, events: dict[str, Any]) -> None:
    login(client, gestionnaire=True)
    ticket, organisation = events["ticket"], events["organisation"]
    today = timezone.localdate()

    assert actions_shown(client, actor="AGENT.UN") == ["Ticket annulé"]
    assert actions_shown(client, action="organisation.suspend") == ["Suspension"]
    assert actions_shown(client, object_type="tickets.ticket", object_id=ticket.pk) == [
        "Ticket annulé"
    ]
    assert actions_shown(
        client, object_type="organisations.organisation", object_id=organisation.pk
    ) == ["Suspension"]
    assert actions_shown(client, since=today.isoformat()) == ["Ticket annulé"]
    week_ago = timezone.localtime(events["last_week"]).date().isoformat()
    assert actions_shown(client, since=week_ago, until=week_ago) == ["Suspension"]
    assert actions_shown(client, actor="personne") == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "31/02/2026"}, "Saisissez une date valide"),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "doit suivre la date de début"),
        ({"action": "ticket.steal"}, "Cette action est inconnue"),
        ({"object_type": "secrets.plan"}, "Ce type d'objet est inconnu"),
    ],
)
def test_bad_filters_show_a_french_message_and_no_events(
    client: Client, events: dict[str, Any], params: dict[str, str], message: str
) -> None:
    login(client, gestionnaire=True)
    response = client.get(LOG, params)
    assert response.status_code == 200
    assert message in text_of(parse_html(response), "main form")
    assert actions_shown(client, **params) == []


def test_the_log_is_paginated(client: Client) -> None:
    actor = UserFactory(gestionnaire=True)
    ticket = TicketFactory()
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            action="ticket.use",
            object_type="tickets.ticket",
            object_id=str(ticket.pk),
            actor_label=actor.email,
        )
        for _ in range(55)
    )
    login(client, gestionnaire=True)
    assert len(actions_shown(client)) == 50
    assert len(actions_shown(client, page=2)) == 5
    page = parse_html(client.get(LOG, {"action": "ticket.use"}))
    assert "action=ticket.use" in page.select_one("nav[aria-label=Pagination] a")["href"]


def test_every_recorded_action_has_a_french_label() -> None:
    recorded = set()
    for path in PACKAGE.rglob("*.py"):
        recorded |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', path.read_text()))
        recorded |= set(re.findall(r'_ACTION = "([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert len(recorded) > 40
    assert sorted(recorded - ACTION_LABELS.keys()) == []


def test_events_about_objects_without_a_state_are_listed(client: Client) -> None:
    agent = login(client, gestionnaire=True)
    AuditEvent.objects.create(
        actor=agent,
        actor_label=agent.email,
        action="two_factor.enrol",
        object_type="accounts.user",
        object_id=str(agent.pk),
    )
    assert actions_shown(client) == ["Double authentification activée"]
    page = parse_html(client.get(LOG))
    assert f"Utilisateur n°{agent.pk}" in text_of(page, "main tbody")
