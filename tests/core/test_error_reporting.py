"""Error reports (sentry-sdk, to Sentry or GlitchTip): off without a DSN, and what would be sent
carries no personal data — no e-mail, IBAN, birth date, phone, code or ticket number, no cookie
or Authorization header — but still the exception's type and the user's id."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sentry_sdk
from django.test import Client

from passplus.core.error_reporting import scrub_breadcrumb, scrub_event, scrub_text
from tests.helpers import error_views as failing
from tests.helpers.error_reports import FAKE_DSN, captured_error_reports
from tests.helpers.factories import UserFactory
from tests.helpers.paths import ROOT
from tests.helpers.processes import child_environment

SECRETS = [
    failing.EMAIL,
    "jeanne.martin",
    failing.IBAN,
    "FR76 3000",
    "30006000011234567890",
    "12/04/2013",
    "2013-04-12",
    "2013, 4, 12",
    failing.CODE,
    failing.TICKET,
    failing.PHONE,
    "612345678",
    "sessionid-secret-value",
    "csrftoken-secret-value",
    "jeton-secret-de-l-api",
]


@pytest.mark.django_db
@pytest.mark.urls("tests.helpers.error_views")
@pytest.mark.parametrize("include_local_variables", [False, True])
def test_a_failing_view_is_reported_without_personal_data(include_local_variables: bool) -> None:
    user = UserFactory(email="parent.secret@example.fr")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    client.cookies["csrftoken"] = "csrftoken-secret-value"
    client.cookies["sessionid-extra"] = "sessionid-secret-value"

    with captured_error_reports(include_local_variables=include_local_variables) as reports:
        response = client.get(
            "/echec/",
            {"email": failing.EMAIL, "date_naissance": "12/04/2013", "code": failing.CODE},
            HTTP_AUTHORIZATION="Bearer jeton-secret-de-l-api",
            HTTP_X_NOTE=f"écrit par {failing.EMAIL}",
        )
        assert not sentry_sdk.get_client().should_send_default_pii()

    assert response.status_code == 500
    sent = reports.sent_text()
    assert reports.events, "no report captured"
    leaked = [secret for secret in [*SECRETS, user.email] if secret.lower() in sent.lower()]
    assert leaked == []
    event = next(e for e in reports.events if e.get("exception"))
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert event["user"] == {"id": str(user.pk)}
    assert "FR•• •••• •••• •••• •••• ••01 89" in sent  # masked as everywhere else
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert frames[-1]["function"] == "failing"
    assert ("vars" in frames[-1]) is include_local_variables


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("écrire à jeanne.martin@example.fr", "écrire à [e-mail]"),
        ("IBAN FR76 3000 6000 0112 3456 7890 189", "IBAN FR•• •••• •••• •••• •••• ••01 89"),
        ("né le 12/04/2013", "né le [date]"),
        ("born 2013-04-12", "born [date]"),
        ("datetime.date(2013, 4, 12)", "datetime.[date]"),
        ("appeler le 06 12 34 56 78", "appeler le [téléphone]"),
        ("appeler le +33612345678", "appeler le [téléphone]"),
        ("code 493817", "code …"),
        ("ticket 1234 5678 9012", "ticket …"),
        ("/compte/invitation/AbCdEfGhIjKlMnOpQrStUvWxYz012345/", "/compte/invitation/[jeton]/"),
        ("passplus.tickets.services.ticket_lookup", "passplus.tickets.services.ticket_lookup"),
        ("Organisation 42 suspendue", "Organisation 42 suspendue"),
    ],
)
def test_strings_are_masked_by_pattern(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


def test_values_under_sensitive_keys_are_replaced_and_the_user_keeps_only_its_id() -> None:
    event = scrub_event(
        {
            "user": {"id": 7, "email": "a@example.fr", "ip_address": "203.0.113.9"},
            "request": {
                "url": "https://pass.example.fr/espace-affilie/",
                "query_string": "numero=123456789012&page=2",
                "cookies": {"sessionid": "abc"},
                "data": {"password": "secret"},
                "headers": {"Authorization": "Bearer x", "User-Agent": "Firefox"},
            },
            "extra": {"iban": "XX", "postcode": "Antony", "status_code": 500},
            "exception": {"values": [{"type": "KeyError", "value": "'birth_date'"}]},
        }
    )
    assert event["user"] == {"id": "7"}
    request = event["request"]
    assert request["query_string"] == "numero=%5BFiltr%C3%A9%5D&page=2"
    assert request["cookies"] == request["data"] == "[Filtré]"
    assert request["headers"] == {"Authorization": "[Filtré]", "User-Agent": "Firefox"}
    assert event["extra"] == {"iban": "[Filtré]", "postcode": "Antony", "status_code": 500}
    assert event["exception"]["values"][0]["type"] == "KeyError"


def test_a_log_breadcrumb_is_scrubbed() -> None:
    crumb = scrub_breadcrumb(
        {
            "category": "passplus.notifications",
            "message": "SMS au +33612345678 : code 493817",
            "data": {"phone": "+33612345678", "attempt": 2},
        }
    )
    assert crumb == {
        "category": "passplus.notifications",
        "message": "SMS au [téléphone] : code …",
        "data": {"phone": "[Filtré]", "attempt": 2},
    }


PROBE = (
    "import django, sentry_sdk; django.setup(); "
    "print(sentry_sdk.get_client().is_active(), sentry_sdk.get_client().options.get('release'))"
)


@pytest.mark.parametrize(
    ("dsn", "expected"), [("", "False None"), (FAKE_DSN, "True passplus@0.1.0")]
)
def test_sentry_is_initialised_only_when_a_dsn_is_set(dsn: str, expected: str) -> None:
    environment = child_environment(SENTRY_DSN=dsn)
    environment.pop("SENTRY_RELEASE", None)
    answer = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert answer.stdout.strip() == expected
