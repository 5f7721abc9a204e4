from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from passplus.notifications import sms
from tests.helpers.skips import in_ci, refusal


def _refuse_skip_in_ci(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Under `CI=true`, a skip CI must not accept becomes a failure with its reason (a missing
    Chromium, node/npm or Java; a race test skipped on PostgreSQL; a reason given as free
    text): tests/helpers/skips.py. Done where the test ran, so it holds under pytest-xdist."""
    if report.skipped and not hasattr(report, "wasxfail") and in_ci():
        from django.db import connection

        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if refused := refusal(reason, connection.vendor):
            report.outcome = "failed"
            report.longrepr = refused


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    _refuse_skip_in_ci(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    """A whole module skipped (`pytest.skip(..., allow_module_level=True)`) is judged alike."""
    report = yield
    _refuse_skip_in_ci(report)
    return report


class UnknownTemplateVariable(str):
    """Set as string_if_invalid: any unknown variable in a rendered template fails the test.

    It must be a non-empty string (Django ignores a falsy one) containing "%s"."""

    __slots__ = ()

    def __contains__(self, key: object) -> bool:
        return key == "%s"

    def __mod__(self, variable: Any) -> str:
        raise AssertionError(f"Variable de gabarit inconnue : {variable!r}")


# Fast password hashing, and nothing leaving the machine: SMS and cache kept in memory.
FAST_SETTINGS: dict[str, Any] = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "SMS_BACKEND": "passplus.notifications.sms.LocmemBackend",
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
}


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    for name, value in FAST_SETTINGS.items():
        setattr(settings, name, value)
    # Local-memory caches keep their data per process, across tests: start each one empty.
    cache.clear()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SECURE_SSL_REDIRECT = False
    # Assigning a new value (not mutating) fires setting_changed, which resets the engines.
    settings.TEMPLATES = [
        {
            **engine,
            "OPTIONS": {**engine["OPTIONS"], "string_if_invalid": UnknownTemplateVariable("%s")},
        }
        for engine in settings.TEMPLATES
    ]


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def _seal_dir(tmp_path_factory: Any) -> Any:
    return tmp_path_factory.mktemp("seal")


@pytest.fixture(autouse=True)
def _development_seal(settings: Any, _seal_dir: Any) -> None:
    """Seal with a development certificate created once per run, never under var/."""
    settings.PASSPLUS_SEAL_DEV_DIR = _seal_dir


@pytest.fixture(autouse=True)
def _empty_sms_outbox() -> Iterator[None]:
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def client() -> Any:
    """pytest-django's client, whose force_login also passes the staff second factor."""
    from tests.helpers.accounts import VerifiedClient

    return VerifiedClient()


@pytest.fixture
def demo(db: None) -> None:
    """The demo data of `make run` (`manage.py demo`), built for this test alone: for a test
    that changes it in ways the next tests must not see (or that runs the command itself)."""
    call_command("demo", stdout=io.StringIO())


@pytest.fixture(scope="module")
def _demo_of_module(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any, _seal_dir: Any
) -> Iterator[tuple[str, Any]]:
    """The demo data built once for a test module (once per xdist worker running some of its
    tests), inside a transaction rolled back after the module's last test. It is Django's
    TestCase.setUpTestData, for pytest: each test's own transaction is a savepoint inside it,
    so whatever a test writes is rolled back at its end and the next test sees the demo as
    built. Yields the command's output and the media folder its files were written to."""
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSPLUS_SEAL_DEV_DIR=_seal_dir, **FAST_SETTINGS),
        transaction.atomic(),
    ):
        output = io.StringIO()
        call_command("demo", stdout=output)
        try:
            yield output.getvalue(), media
        finally:
            transaction.set_rollback(True)
    sms.outbox.clear()


@pytest.fixture
def shared_demo(_demo_of_module: tuple[str, Any], db: None, settings: Any) -> str:
    """The demo data of `make run`, built once per module (see `_demo_of_module`): for tests
    that read it, or change it only inside their own transaction. Returns what the command
    printed (its LOGIN and INVITATION lines)."""
    output, media = _demo_of_module
    settings.MEDIA_ROOT = media
    return output


@pytest.fixture(autouse=True)
def _default_communes(request: pytest.FixtureRequest, django_db_blocker: Any) -> None:
    """The 36 default communes (loaded by migration territory 0002) are there for every test
    that uses the database: a transactional test's flush removes them, and a test that ran
    after one on the same worker, or on a kept database (--reuse-db), would find none."""
    uses_database = request.node.get_closest_marker("django_db") is not None or {
        "db",
        "transactional_db",
    } & set(request.fixturenames)
    if not uses_database:
        return
    from passplus.territory.models import default_communes_ensure

    with django_db_blocker.unblock():
        default_communes_ensure()


@pytest.fixture(autouse=True)
def _no_secret_in_logs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every log record a test causes is read as a log platform would receive it: one holding
    an e-mail, an IBAN, a birth date, a one-time code sent by SMS, a password or the secret key
    fails the test (issue 23; tests/helpers/log_guard.py). A test about the guard itself opts
    out with the `leaks_logs` marker."""
    import logging

    from django.conf import settings

    from tests.helpers.log_guard import CODE, RecordKeeper, leaks_in, passwords

    root = logging.getLogger()
    keeper = RecordKeeper(root.handlers)
    root.addHandler(keeper)
    sent_before = len(sms.outbox)
    try:
        yield
    finally:
        root.removeHandler(keeper)
    if request.node.get_closest_marker("leaks_logs"):
        return
    codes = {code for message in sms.outbox[sent_before:] for code in CODE.findall(message.text)}
    leaks = leaks_in(keeper.records, [*codes, *passwords(), settings.SECRET_KEY])
    assert leaks == [], "Données personnelles ou secrets écrits dans les journaux"
