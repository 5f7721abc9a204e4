from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from passplus.notifications import sms


class UnknownTemplateVariable(str):
    """Set as string_if_invalid: any unknown variable in a rendered template fails the test.

    It must be a non-empty string (Django ignores a falsy one) containing "%s"."""

    __slots__ = ()

    def __contains__(self, key: object) -> bool:
        return key == "%s"

    def __mod__(self, variable: Any) -> str:
        raise AssertionError(f"Variable de gabarit inconnue : {variable!r}")


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_BACKEND = "passplus.notifications.sms.LocmemBackend"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
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
    """The demo data of `make run` (`manage.py demo`), for tests of the site as a whole."""
    import io

    from django.core.management import call_command

    call_command("demo", stdout=io.StringIO())
