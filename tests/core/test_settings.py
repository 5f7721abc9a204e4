"""Settings come from the environment; production (DEBUG off) gets safe defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection

from passplus.settings import security_contacts
from tests.helpers.paths import ROOT

PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "cookie": settings.SESSION_COOKIE_SECURE, "csrf": settings.CSRF_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS, "ssl": settings.SECURE_SSL_REDIRECT,
    "csp": settings.SECURE_CSP["script-src"], "mail": settings.MAILERS["default"]["BACKEND"],
    "db": settings.DATABASES["default"]["ENGINE"], "tz": settings.TIME_ZONE,
    "lang": settings.LANGUAGE_CODE, "hosts": settings.ALLOWED_HOSTS,
    "sqlite_options": settings.DATABASES["default"].get("OPTIONS", {}),
    "cache": settings.CACHES["default"],
    "sms_caps": [
        settings.PASSPLUS_SMS_MAX_PER_ORGANISATION_PER_DAY,
        settings.PASSPLUS_SMS_MAX_PER_NUMBER_PER_DAY,
    ],
    "security": [
        settings.PASSPLUS_SECURITY_CONTACT,
        settings.PASSPLUS_SECURITY_TXT_EXPIRES_DAYS,
        settings.PASSPLUS_SECURITY_POLICY_URL,
    ],
}))
"""


def probe(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "EMAIL_BACKEND",
            "ALLOWED_HOSTS",
            "REDIS_URL",
        }
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="passplus.settings")
    code = "import django; django.setup()\n" + PROBE
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, cwd=ROOT, capture_output=True, text=True
    )


def test_production_defaults_are_safe() -> None:
    result = probe(DEBUG="False", SECRET_KEY="k" * 50, ALLOWED_HOSTS="pass.example.fr")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["cookie"] is values["csrf"] is values["ssl"] is True
    assert values["hsts"] >= 31536000
    assert "'self'" in values["csp"] and any("NONCE" in v for v in values["csp"])
    assert values["mail"].endswith("smtp.EmailBackend")
    assert values["hosts"] == ["pass.example.fr"]


def test_development_defaults_need_nothing() -> None:
    values = json.loads(probe().stdout)
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["sqlite_options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in values["sqlite_options"]["init_command"]
    assert (values["tz"], values["lang"]) == ("Europe/Paris", "fr")
    assert values["mail"].endswith("console.EmailBackend")


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = probe(DEBUG="False")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_boolean_setting_accepts_only_true_or_false() -> None:
    result = probe(DEBUG="yes")
    assert result.returncode != 0
    assert "DEBUG must be True or False" in result.stderr


def test_postgresql_is_chosen_by_database_url() -> None:
    values = json.loads(probe(DATABASE_URL="postgres://u@127.0.0.1:5432/x").stdout)
    assert values["db"] == "django.db.backends.postgresql"


def test_a_session_duration_must_be_positive() -> None:
    result = probe(PASSPLUS_SESSION_IDLE_MINUTES_STAFF="0")
    assert result.returncode != 0
    assert "PASSPLUS_SESSION_IDLE_MINUTES_STAFF must be a positive number" in result.stderr


def test_the_cache_is_shared_by_every_process_without_redis() -> None:
    """Rate limits count in the cache: never one process's memory. Without REDIS_URL, a table
    of the database (created by `manage.py createcachetable`); with it, Redis."""
    values = json.loads(probe().stdout)
    assert values["cache"] == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "passplus_cache",
    }
    values = json.loads(probe(REDIS_URL="redis://127.0.0.1:6379/0").stdout)
    assert values["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert values["cache"]["LOCATION"] == "redis://127.0.0.1:6379/0"


def test_the_sms_caps_are_settings_and_must_be_positive() -> None:
    assert json.loads(probe().stdout)["sms_caps"] == [10, 5]
    values = json.loads(
        probe(
            PASSPLUS_SMS_MAX_PER_ORGANISATION_PER_DAY="20", PASSPLUS_SMS_MAX_PER_NUMBER_PER_DAY="3"
        ).stdout
    )
    assert values["sms_caps"] == [20, 3]
    result = probe(PASSPLUS_SMS_MAX_PER_NUMBER_PER_DAY="0")
    assert result.returncode != 0
    assert "PASSPLUS_SMS_MAX_PER_NUMBER_PER_DAY must be a positive number" in result.stderr


def test_the_security_contact_takes_addresses_and_uris() -> None:
    assert security_contacts(" cert@cd92.fr , https://cd92.fr/signaler,tel:+33-1-23-45-67-89") == [
        "mailto:cert@cd92.fr",
        "https://cd92.fr/signaler",
        "tel:+33-1-23-45-67-89",
    ]
    assert security_contacts("mailto:cert@cd92.fr?subject=Faille") == [
        "mailto:cert@cd92.fr?subject=Faille"
    ]
    for wrong in ("http://cd92.fr/signaler", "cert at cd92.fr", "ftp://cd92.fr", " , "):
        with pytest.raises(ImproperlyConfigured):
            security_contacts(wrong)


def test_the_security_txt_settings_follow_the_contact_address_and_are_checked() -> None:
    assert json.loads(probe(PASSPLUS_CONTACT_EMAIL="passplus@cd92.fr").stdout)["security"] == [
        ["mailto:passplus@cd92.fr"],
        180,
        "",
    ]
    for name, value, message in [
        ("PASSPLUS_SECURITY_TXT_EXPIRES_DAYS", "365", "must be from 1 to 364"),
        ("PASSPLUS_SECURITY_POLICY_URL", "http://cd92.fr/securite", "must be an https://"),
        ("PASSPLUS_SECURITY_CONTACT", "securite", "is neither an e-mail address"),
    ]:
        result = probe(**{name: value})
        assert result.returncode != 0
        assert name in result.stderr and message in result.stderr


def test_the_health_token_is_absent_or_long_enough_to_resist_guessing() -> None:
    """The token opens /sante/detail/ to monitoring tools, without a login's rate limits."""
    assert probe(PASSPLUS_HEALTH_TOKEN="t" * 32).returncode == 0
    result = probe(PASSPLUS_HEALTH_TOKEN="court")
    assert result.returncode != 0
    assert "PASSPLUS_HEALTH_TOKEN must be at least 32 characters long" in result.stderr


@pytest.mark.django_db
def test_every_migrate_also_creates_the_database_caches_table(settings: Any) -> None:
    """`make run`, `make demo` and the deployment run `createcachetable`; a script that only
    migrates (the benchmarks, a forgotten step) gets the table too."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "passplus_cache_probe",
        }
    }
    assert "passplus_cache_probe" not in connection.introspection.table_names()

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert "passplus_cache_probe" in connection.introspection.table_names()
    cache.set("probe", "partagé")
    assert cache.get("probe") == "partagé"


def test_a_log_format_other_than_text_or_json_is_refused() -> None:
    assert probe(LOG_FORMAT="json").returncode == 0
    result = probe(LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be text or json, not 'xml'" in result.stderr
