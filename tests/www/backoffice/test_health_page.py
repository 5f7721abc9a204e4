"""`/sante/detail/` and `/sante/detail.json`: staff or a monitoring token read the health report;
everyone else is sent to the login page (the page) or refused (the JSON form, a wrong token); a
check in error makes it answer 503, never 500; the demo shows every check."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.accounts.models import Role
from passplus.health.report import CHECKS, Check
from tests.helpers.accounts import log_in_new_user
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

PAGE = "/sante/detail/"
JSON = "/sante/detail.json"
TOKEN = "jeton-de-supervision-0123456789abcdefghij"


@pytest.fixture(autouse=True)
def _steady_machine(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the page says must not depend on the machine running the tests: no Redis, and a
    disk half free (the checks themselves are tested in tests/health/)."""
    settings.REDIS_URL = ""
    monkeypatch.setattr(
        "passplus.health.infrastructure.disk_usage",
        lambda path: SimpleNamespace(total=100 * 1024**3, used=50 * 1024**3, free=50 * 1024**3),
    )


@pytest.fixture
def token(settings: Any) -> str:
    settings.PASSPLUS_HEALTH_TOKEN = TOKEN
    return TOKEN


def bearer(value: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


def broken_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(now: dt.datetime) -> Any:
        raise RuntimeError("/etc/passplus/secret")

    monkeypatch.setattr(
        "passplus.health.report.CHECKS", (*CHECKS, Check("broken", "Cassée", "", broken))
    )


def test_the_urls_are_the_documented_ones() -> None:
    assert reverse("health:detail") == PAGE
    assert reverse("health:detail_json") == JSON


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_json_form_refuses_an_anonymous_caller(client: Client) -> None:
    assert client.get(JSON).status_code == 403


@pytest.mark.parametrize("role", [Role.ORGANISATION, Role.CORRESPONDENT, Role.FAMILY])
def test_other_roles_are_refused(client: Client, role: str) -> None:
    log_in_new_user(client, role)
    assert client.get(PAGE).status_code == 403
    assert client.get(JSON).status_code == 403


@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.FINANCE, Role.ADMIN])
def test_every_staff_role_reads_the_page_in_the_back_office(client: Client, role: str) -> None:
    log_in_new_user(client, role)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    page = parse_html(response)
    menu = page.select_one("nav[aria-label='Pages de gestion']")
    assert menu is not None
    current = menu.select_one("[aria-current=page]")
    assert current is not None and current.get_text(strip=True) == "Santé du service"
    assert text_of(page, "h1") == "Santé du service"


def test_the_page_is_a_table_with_a_caption_and_a_row_per_check(client: Client) -> None:
    log_in_new_user(client, Role.GESTIONNAIRE)
    page = parse_html(client.get(PAGE))
    table = page.select_one("table")
    assert table is not None and text_of(table, "caption") == "Vérifications"
    assert [th["scope"] for th in table.select("thead th")] == ["col"] * 4
    rows = table.select("tbody tr")
    assert [row["id"] for row in rows] == [f"verification-{check.name}" for check in CHECKS]
    assert all(row.select_one("th[scope=row]") for row in rows)
    states = {text_of(row, ".badge") for row in rows}
    assert states <= {"Correct", "À surveiller", "En erreur"}
    assert text_of(page, "#verification-scheduler .badge") == "À surveiller"  # none runs here
    assert "État général : À surveiller" in text_of(page, "#etat-general")


def test_staff_reach_the_json_form_too(client: Client) -> None:
    log_in_new_user(client, Role.FINANCE)
    response = client.get(JSON)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"


def test_a_valid_token_reads_both_forms_without_a_session(client: Client, token: str) -> None:
    page = client.get(PAGE, **bearer(token))
    assert page.status_code == 200
    assert parse_html(page).select_one("nav[aria-label='Pages de gestion']") is None
    report = client.get(JSON, **bearer(token))
    assert report.status_code == 200


def test_the_json_form_gives_each_check_its_status_message_and_value(
    client: Client, token: str
) -> None:
    report = json.loads(client.get(JSON, **bearer(token)).content)
    assert set(report) == {"status", "checks", "generated_at"}
    assert report["status"] == "warning"
    assert dt.datetime.fromisoformat(report["generated_at"]).tzinfo is not None
    assert [check["name"] for check in report["checks"]] == [check.name for check in CHECKS]
    for check in report["checks"]:
        assert set(check) == {"name", "label", "status", "message", "value", "unit", "details"}
        assert isinstance(check["details"], list)
        assert check["status"] in {"ok", "warning", "error"}
        assert check["value"] is None or isinstance(check["value"], int | float)
    database = next(check for check in report["checks"] if check["name"] == "database")
    assert database["status"] == "ok" and database["unit"] == "ms"
    assert token not in json.dumps(report)


@pytest.mark.parametrize("url", [PAGE, JSON])
def test_a_wrong_token_is_refused_even_with_a_staff_session(
    client: Client, token: str, url: str
) -> None:
    log_in_new_user(client, Role.ADMIN)
    assert client.get(url, **bearer(token + "x")).status_code == 403
    assert client.get(url, **bearer("")).status_code == 403


@pytest.mark.parametrize("url", [PAGE, JSON])
def test_without_a_configured_token_no_token_opens_the_report(
    client: Client, settings: Any, url: str
) -> None:
    settings.PASSPLUS_HEALTH_TOKEN = ""
    assert client.get(url, **bearer("")).status_code == 403
    assert client.get(url, **bearer("n'importe quoi")).status_code == 403


def test_a_check_that_raises_makes_the_page_answer_503_not_500(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken_check(monkeypatch)
    log_in_new_user(client, Role.GESTIONNAIRE)
    response = client.get(PAGE)
    assert response.status_code == 503
    page = parse_html(response)
    assert text_of(page, "#verification-broken .badge") == "En erreur"
    assert text_of(page, "#verification-broken td:nth-of-type(2)") == (
        "La vérification a échoué : RuntimeError."
    )
    assert "/etc/passplus/secret" not in response.content.decode()
    assert text_of(page, "#verification-database .badge") == "Correct"  # the others still ran


def test_a_check_in_error_makes_the_json_form_answer_503(
    client: Client, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken_check(monkeypatch)
    response = client.get(JSON, **bearer(token))
    assert response.status_code == 503
    report = json.loads(response.content)
    assert report["status"] == "error"
    assert report["checks"][-1] == {
        "name": "broken",
        "label": "Cassée",
        "status": "error",
        "message": "La vérification a échoué : RuntimeError.",
        "value": None,
        "unit": "",
        "details": [],
    }


def test_the_demo_shows_every_check_and_none_in_error(client: Client, shared_demo: str) -> None:
    log_in_new_user(client, Role.GESTIONNAIRE)
    home = parse_html(client.get(reverse("backoffice:home")))
    link = home.select_one("nav[aria-label='Pages de gestion'] a[href='/sante/detail/']")
    assert link is not None

    response = client.get(PAGE)

    assert response.status_code == 200
    page = parse_html(response)
    labels = [text_of(row, "th") for row in page.select("tbody tr")]
    assert labels == [check.label for check in CHECKS]
    assert all(text_of(row, "td:nth-of-type(2)") for row in page.select("tbody tr"))
