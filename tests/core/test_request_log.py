"""One structured log line per request and per task, with the request id (issue 23): the id
comes back in the response and on error pages, the tasks a request enqueues carry it, and the
line names the route and user id, never the path's token or an e-mail."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.tasks import task
from django.test import Client

from passplus.core.request_context import current_request_id
from passplus.workers.task_log import task_logged
from tests.helpers import factories
from tests.helpers.tasks import ready

pytestmark = pytest.mark.django_db


def request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "passplus.requests"]


def test_a_request_writes_one_line_with_its_id_route_status_and_costs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = factories.UserFactory(organisation_member=True)
    client = Client()
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="passplus.requests"):
        response = client.get("/espace-affilie/saisies/")

    (line,) = request_lines(caplog)
    assert response["X-Request-ID"] == line.request_id
    assert len(line.request_id) == 32
    assert line.route == "/espace-affilie/saisies/"
    assert line.status == response.status_code
    assert line.user_id == user.pk
    assert line.organisation_id == user.organisation_id
    assert line.sql_count > 0
    assert line.duration_ms > 0
    assert user.email not in line.getMessage() + json.dumps(vars(line), default=str)


def test_the_line_names_the_route_not_a_path_holding_a_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="passplus.requests"):
        Client().get("/espace-affilie/invitation/jeton-secret-a-ne-pas-ecrire/")
    (line,) = request_lines(caplog)
    assert "jeton-secret" not in line.getMessage() + line.route
    assert line.user_id is None


def test_a_sane_proxy_id_is_kept_and_a_strange_one_replaced(
    caplog: pytest.LogCaptureFixture,
) -> None:
    kept = Client().get("/sante/", headers={"X-Request-ID": "abc123-proxy.42"})
    assert kept["X-Request-ID"] == "abc123-proxy.42"
    replaced = Client().get("/sante/", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert replaced["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(replaced["X-Request-ID"]) == 32


def test_every_record_written_during_a_request_carries_its_id(
    caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    settings.ROOT_URLCONF = "tests.helpers.failing_urls"
    with caplog.at_level(logging.INFO):
        response = Client(raise_request_exception=False).get("/panne/")
    assert response.status_code == 500
    assert {record.name for record in caplog.records} == {"django.request", "passplus.requests"}
    ids = {getattr(record, "request_id", None) for record in caplog.records}
    assert ids == {response["X-Request-ID"]}


def test_a_missing_page_is_one_line_not_a_warning_with_its_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        Client().get("/espace-affilie/membre/jeton-secret-a-ne-pas-ecrire/inconnu/")
    assert [record.name for record in caplog.records] == ["passplus.requests"]
    assert "jeton-secret" not in caplog.text


def test_the_error_pages_show_the_request_id_to_quote() -> None:
    response = Client().get("/page-qui-n-existe-pas/")
    assert response["X-Request-ID"] in response.content.decode()


def test_the_server_error_page_shows_the_request_id(settings: Any) -> None:
    client = Client(raise_request_exception=False)
    settings.ROOT_URLCONF = "tests.helpers.failing_urls"
    response = client.get("/panne/")
    assert response.status_code == 500
    body = response.content.decode()
    assert response["X-Request-ID"] in body
    assert "Erreur du serveur" in body


@task()
def noted_task() -> str:
    return current_request_id.get()


def test_a_task_enqueued_by_a_request_runs_under_its_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = current_request_id.set("requete-de-test-0001")
    try:
        noted_task.enqueue()
    finally:
        current_request_id.reset(token)
    db_task = ready().get(task_path=noted_task.module_path)
    assert db_task.args_kwargs["request_id"] == "requete-de-test-0001"
    assert db_task.task_result.args == [] and db_task.task_result.kwargs == {}

    with caplog.at_level(logging.INFO, logger="passplus.tasks"), task_logged(db_task):
        seen = current_request_id.get()
        db_task.status = "SUCCESSFUL"
    assert seen == "requete-de-test-0001"
    (line,) = [record for record in caplog.records if record.name == "passplus.tasks"]
    assert line.request_id == "requete-de-test-0001"
    assert line.task == noted_task.module_path
    assert line.status == "SUCCESSFUL"
    assert line.sql_count == 0


def test_a_task_nobody_enqueued_from_a_request_uses_its_own_id() -> None:
    noted_task.enqueue()
    db_task = ready().get(task_path=noted_task.module_path)
    assert "request_id" not in db_task.args_kwargs
    with task_logged(db_task):
        assert current_request_id.get() == str(db_task.pk)


def test_production_lines_are_json(capsys: pytest.CaptureFixture[str]) -> None:
    from logging.config import dictConfig

    from django.conf import settings as django_settings

    config = dict(django_settings.LOGGING)
    handler = dict(config["handlers"]["console"], formatter="json", stream="ext://sys.stdout")
    config["handlers"] = {"console": handler}
    config["root"] = {"handlers": ["console"], "level": "INFO"}
    config["disable_existing_loggers"] = False
    try:
        dictConfig(config)
        Client().get("/sante/", headers={"X-Request-ID": "identifiant-json-01"})
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    finally:
        # Outside capsys: a handler built now would keep its stream, closed after this test.
        with capsys.disabled():
            dictConfig(django_settings.LOGGING)
    (line,) = [line for line in lines if line["logger"] == "passplus.requests"]
    assert line["request_id"] == "identifiant-json-01"
    assert line["level"] == "INFO"
    assert line["route"] == "/sante/"
    assert line["status"] == 200
    assert {"time", "message", "duration_ms", "sql_count", "user_id"} <= set(line)
