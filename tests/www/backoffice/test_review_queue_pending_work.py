"""« À traiter » and `/sante/detail/` show work nobody saw waiting (issue 31): a task stuck under
a dead worker and an e-mail waiting for its next retry, each with its age; a healthy queue
shows the usual empty sentences; other roles see neither page."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from passplus.accounts.models import Role
from tests.helpers.accounts import log_in_new_user
from tests.helpers.pages import parse_html, text_of
from tests.helpers.pending_work import email_waiting_for_retry, stuck_email
from tests.helpers.workers import NOW, heartbeat

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
QUEUE = reverse("backoffice:review_queue")
PAGE = reverse("health:detail")
JSON = reverse("health:detail_json")


@pytest.fixture(autouse=True)
def _at_now(settings: Any) -> Iterator[None]:
    settings.REDIS_URL = ""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def waiting_work() -> None:
    heartbeat("killed", seen_seconds_ago=90 * 60)
    stuck_email(worker_id="killed", started=NOW - 2 * HOUR)
    email_waiting_for_retry(
        first_enqueued=NOW - 3 * HOUR, next_try=NOW + 4 * dt.timedelta(minutes=1)
    )


def test_review_queue_lists_a_stuck_task_and_a_waiting_retry_with_their_age(
    client: Client, waiting_work: None
) -> None:
    log_in_new_user(client, Role.GESTIONNAIRE)
    page = parse_html(client.get(QUEUE))

    assert text_of(page, "#taches-bloquees") == "Tâches bloquées sous un processus arrêté (1)"
    assert [
        " ".join(cell.get_text().split()) for cell in page.select("#tableau-bloquees tbody tr td")
    ] == ["2 h", "1 h 30 min"]
    assert text_of(page, "#tableau-bloquees tbody th") == "Envoi d'e-mail"
    assert text_of(page, "#nouveaux-essais") == "Tâches en attente d'un nouvel essai (1)"
    assert [
        " ".join(cell.get_text().split()) for cell in page.select("#tableau-essais tbody tr td")
    ] == ["3 h", "2 sur 5", "le 02/12/2026 à 10:04", "smtplib.SMTPServerDisconnected"]
    assert text_of(page, "#tableau-essais tbody th") == "Envoi d'e-mail"
    assert text_of(page, "h1") == "À traiter (2)"


def test_a_healthy_queue_shows_the_empty_sentences(client: Client) -> None:
    heartbeat("alive", seen_seconds_ago=5)
    stuck_email(worker_id="alive", started=NOW - HOUR)  # a long task, its worker beating
    log_in_new_user(client, Role.FINANCE)
    page = parse_html(client.get(QUEUE))

    assert text_of(page, "#taches-bloquees") == "Tâches bloquées sous un processus arrêté (0)"
    assert text_of(page, "#taches-bloquees + p") == "Aucune tâche bloquée."
    assert text_of(page, "#nouveaux-essais") == "Tâches en attente d'un nouvel essai (0)"
    assert text_of(page, "#nouveaux-essais + p") == "Aucune tâche en attente d'un nouvel essai."
    assert page.select("#tableau-bloquees, #tableau-essais") == []
    assert text_of(page, "h1") == "À traiter (0)"


def test_the_health_page_and_its_json_list_them_with_their_age(
    client: Client, waiting_work: None
) -> None:
    log_in_new_user(client, Role.ADMIN)
    page = parse_html(client.get(PAGE))
    assert [
        " ".join(li.get_text().split()) for li in page.select("#verification-stuck_tasks li")
    ] == [
        "Envoi d'e-mail : en cours depuis 2 h, son processus ne se signale plus depuis 1 h 30 min"
    ]
    (retry,) = page.select("#verification-waiting_retries li")
    assert " ".join(retry.get_text().split()).startswith(
        "Envoi d'e-mail : en attente depuis 3 h, essai 2 sur 5"
    )

    response = client.get(JSON)
    assert response.status_code == 503  # stuck for an hour and a half: the recovery is not running
    checks = {check["name"]: check for check in json.loads(response.content)["checks"]}
    assert checks["stuck_tasks"]["value"] == checks["waiting_retries"]["value"] == 1
    assert checks["waiting_retries"]["details"][0].startswith(
        "Envoi d'e-mail : en attente depuis 3 h"
    )


@pytest.mark.parametrize("role", [Role.ORGANISATION, Role.CORRESPONDENT, Role.FAMILY])
def test_other_roles_see_neither_list(client: Client, waiting_work: None, role: str) -> None:
    log_in_new_user(client, role)
    for url in (QUEUE, PAGE, JSON):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Envoi d'e-mail" not in response.content.decode()
    assert client.get(QUEUE).status_code == 403
