"""The log guard (tests/conftest.py, `_no_secret_in_logs`) finds what no log line may hold,
and only that: each kind of leak is caught, masked values and ordinary dates pass."""

from __future__ import annotations

import logging

import pytest

from passplus.core.privacy import mask_iban
from tests.helpers.factories import PASSWORD
from tests.helpers.log_guard import leaks_in, passwords

IBAN = "FR7630006000011234567890189"


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.makeLogRecord({"name": "essai", "msg": message, "args": args})
    for key, value in extra.items():
        setattr(made, key, value)
    return made


@pytest.mark.parametrize(
    "leaking",
    [
        record("connexion de %s", "camille.durand@example.fr"),
        record("RIB enregistré", iban=IBAN),
        record("RIB %s", "FR76 3000 6000 0112 3456 7890 189"),
        record("élève né le %s", "12/04/2013"),
        record("élève", birth_date="2013-04-12"),
        record("code envoyé : 482913"),
        record("mot de passe motdepasse-de-test refusé"),
    ],
)
def test_a_leak_is_found(leaking: logging.LogRecord) -> None:
    assert len(leaks_in([leaking], ["482913", "motdepasse-de-test"])) == 1


def test_a_leak_in_a_traceback_is_found() -> None:
    try:
        raise ValueError("IBAN refusé : " + IBAN)
    except ValueError:
        import sys

        failed = record("échec")
        failed.exc_info = sys.exc_info()
    assert leaks_in([failed]) != []


@pytest.mark.parametrize(
    "clean",
    [
        record("RIB %s", mask_iban(IBAN)),
        record("campagne du %s", "2026-09-01"),
        record("virement du 16/11/2026"),
        record("GET /espace-affilie/saisies/ 200", user_id=42, sql_count=12),
        record("ticket 123456789012 saisi"),  # 12 digits: a ticket number, not a code
    ],
)
def test_what_may_be_logged_passes(clean: logging.LogRecord) -> None:
    assert leaks_in([clean], ["482913"]) == []


@pytest.mark.leaks_logs
def test_the_marker_lets_the_guards_own_tests_write_a_leak(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The guard, run after this test, would fail it without the marker: the record below is a
    leak it catches (a password: the logging filters mask e-mails, not passwords), and the test
    passes."""
    logging.getLogger("essai").warning("fuite volontaire : %s", PASSWORD)

    assert leaks_in(caplog.records, passwords()) != []
