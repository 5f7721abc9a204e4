"""Pass+ settings: one module, everything read from environment variables.

Production differs from development only by environment (see `.env.example`).
"""

from __future__ import annotations

import os
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Accept only the strings True/False (or 1/0), so a typo fails loudly."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value in ("True", "true", "1"):
        return True
    if value in ("False", "false", "0"):
        return False
    raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def security_contacts(value: str) -> list[str]:
    """`PASSPLUS_SECURITY_CONTACT`: one or more contacts, comma-separated, each an e-mail address
    (made a `mailto:` URI) or a `mailto:`, `https://` or `tel:` URI, as RFC 9116's Contact takes."""
    contacts = []
    for item in (part.strip() for part in value.split(",")):
        if item.startswith(("mailto:", "https://", "tel:")):
            contacts.append(item)
        elif "@" in item and ":" not in item and not any(char.isspace() for char in item):
            contacts.append(f"mailto:{item}")
        elif item:
            raise ImproperlyConfigured(
                f"PASSPLUS_SECURITY_CONTACT: {item!r} is neither an e-mail address nor a "
                "mailto:, https:// or tel: URI."
            )
    if not contacts:
        raise ImproperlyConfigured("PASSPLUS_SECURITY_CONTACT must name at least one contact.")
    return contacts


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is False.")
    SECRET_KEY = "dev-only-insecure-key-" + "x" * 40

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Number of reverse proxies in front of the app that append to X-Forwarded-For (0: none).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "passplus.core",
    "passplus.accounts",
    "passplus.audit",
    "passplus.notifications",
    "passplus.territory",
    "passplus.organisations",
    "passplus.signatures",
    "passplus.conventions",
    "passplus.campaigns",
    "passplus.pupils",
    "passplus.tickets",
    "passplus.payments",
    "passplus.workers",
    "passplus.reminders",
    "passplus.scheduling",
    "passplus.statistics",
    "passplus.health",
    "passplus.www",
    "passplus.www.public",
    "passplus.www.partner",
    "passplus.www.correspondent",
    "passplus.www.family",
    "passplus.www.backoffice",
    "passplus.demo",
]

MIDDLEWARE = [
    # First: times and counts everything the request costs, whatever answers it, for its log
    # line and the metrics (passplus/core, docs/operations-metrics.md).
    "passplus.core.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body: a request announcing too large a body gets 413 unread.
    "passplus.core.request_size.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Reads the user (and the second factor) and leaves a message: after those three.
    "passplus.accounts.sessions.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "passplus.audit.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
    # Does nothing unless SENTRY_DSN is set: tells an error report the user's id (only).
    "passplus.core.error_reporting.ErrorReportingUserMiddleware",
]

ROOT_URLCONF = "passplus.urls"
WSGI_APPLICATION = "passplus.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "passplus.core.context_processors.scheme",
            ],
        },
    },
]

# Database: SQLite file by default; PostgreSQL (or another) through DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'passplus.sqlite3'}")
# Connections are kept 60 s between requests, and checked before a request reuses one: after a
# failover, a restart or pg_terminate_backend, a dead connection is replaced instead of failing
# the request with a 500 (issue 31; one cheap SELECT 1 per request that reuses a connection).
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Kept between requests like PostgreSQL's: opening it (and its PRAGMAs) per request cost
    # more than the health check itself (docs/decisions.md).
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000"
        ),
    }
    # Tests use a file too (one per test process), not SQLite's shared in-memory database:
    # there, concurrent writers fail at once with "table is locked" instead of waiting, so a
    # race test would not test what production does.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(DATABASES["default"]["NAME"]).parent / f"test-{os.getpid()}.sqlite3")
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side cursors (QuerySet.iterator(), used by the exports) are always read to the end
    # here: plan them for the whole result, not for the first 10 % (PostgreSQL's default).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c cursor_tuple_fraction=1.0"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses any login attempt while the account is locked out (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "passplus.accounts.backends.UserWithOrganisationBackend",
]
# Guessing protection at login: 10 failures on one account (from any addresses), or from one IP
# address (on any accounts), with no 15-minute pause between them, lock it for 15 minutes. Not
# lower: a club's members often share one address; common passwords are refused when chosen
# anyway. The login form posts the e-mail as `username` (Django's AuthenticationForm), so axes
# must read that field, normalised, or every failure is recorded without an account. A success
# resets nothing: on a shared address it would wipe the failures on other accounts.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "passplus.accounts.lockouts.typed_username"
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "passplus.core.http.client_ip"
AXES_VERBOSE = False
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "public:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
# "Mot de passe oublié" requests accepted per address and per client IP within the window
# (counted in the cache: Redis in production, so shared by every process).
PASSPLUS_PASSWORD_RESET_PER_ADDRESS = env_int("PASSPLUS_PASSWORD_RESET_PER_ADDRESS", 5)
PASSPLUS_PASSWORD_RESET_PER_IP = env_int("PASSPLUS_PASSWORD_RESET_PER_IP", 20)
PASSPLUS_PASSWORD_RESET_WINDOW_MINUTES = env_int("PASSPLUS_PASSWORD_RESET_WINDOW_MINUTES", 60)
# Sessions end after an idle time and an absolute maximum that depend on the role
# (passplus/accounts/sessions.py): staff (gestionnaire, finance, admin), partners and
# correspondents, families. The idle clock is written at most once a minute.
PASSPLUS_SESSION_IDLE_MINUTES_STAFF = env_int("PASSPLUS_SESSION_IDLE_MINUTES_STAFF", 30)
PASSPLUS_SESSION_IDLE_MINUTES_PARTNER = env_int("PASSPLUS_SESSION_IDLE_MINUTES_PARTNER", 120)
PASSPLUS_SESSION_IDLE_MINUTES_FAMILY = env_int("PASSPLUS_SESSION_IDLE_MINUTES_FAMILY", 24 * 60)
PASSPLUS_SESSION_MAX_HOURS_STAFF = env_int("PASSPLUS_SESSION_MAX_HOURS_STAFF", 12)
PASSPLUS_SESSION_MAX_HOURS_OTHERS = env_int("PASSPLUS_SESSION_MAX_HOURS_OTHERS", 14 * 24)
for _name in (
    "PASSPLUS_SESSION_IDLE_MINUTES_STAFF",
    "PASSPLUS_SESSION_IDLE_MINUTES_PARTNER",
    "PASSPLUS_SESSION_IDLE_MINUTES_FAMILY",
    "PASSPLUS_SESSION_MAX_HOURS_STAFF",
    "PASSPLUS_SESSION_MAX_HOURS_OTHERS",
):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"{_name} must be a positive number.")
del _name
# The page warns this long before the idle end and offers to extend the session (RGAA 13.1):
# at least 2 minutes to answer, and shorter than every idle time.
PASSPLUS_SESSION_WARNING_MINUTES = env_int("PASSPLUS_SESSION_WARNING_MINUTES", 2)
if not (
    2
    <= PASSPLUS_SESSION_WARNING_MINUTES
    < min(
        PASSPLUS_SESSION_IDLE_MINUTES_STAFF,
        PASSPLUS_SESSION_IDLE_MINUTES_PARTNER,
        PASSPLUS_SESSION_IDLE_MINUTES_FAMILY,
    )
):
    raise ImproperlyConfigured(
        "PASSPLUS_SESSION_WARNING_MINUTES must be at least 2 and less than every idle time."
    )
# Sessions without the rule above (anonymous ones) keep Django's 14 days, the others' maximum.
SESSION_COOKIE_AGE = PASSPLUS_SESSION_MAX_HOURS_OTHERS * 3600

# Cache, shared by every process (rate limits count there): Redis through REDIS_URL, else a
# table of the database (`manage.py createcachetable`, run by `make run` and the deployment).
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that hangs (a dropped route) costs each request one second at most, not
            # the system's TCP timeout; without it, features work or refuse (core.shared_cache).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "passplus_cache",
        }
    }

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# E-mail (Django 6.1 MAILERS): console in development; SMTP in production through
# EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the EMAIL_* variables.
EMAIL_BACKEND_PATH = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS: dict[str, dict[str, Any]] = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": {}}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER"),
        "password": env_str("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        "timeout": 20,
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Pass+ <ne-pas-repondre@passplus.example.fr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# SMS: a backend class path (console, file, locmem; the Brevo HTTP API in production).
# Development writes each SMS under var/sms/ so the demo's codes can be read there. Production
# never defaults to the console backend: it would print one-time codes into the service's logs.
SMS_BACKEND = env_str(
    "SMS_BACKEND",
    "passplus.notifications.sms.FileBackend"
    if DEBUG
    else "passplus.notifications.sms.BrevoBackend",
)
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(BASE_DIR / "var" / "sms"))
SMS_SENDER = env_str("SMS_SENDER", "PASSPLUS")
SMS_BREVO_API_KEY = env_str("SMS_BREVO_API_KEY")
SMS_BREVO_API_URL = env_str("SMS_BREVO_API_URL", "https://api.brevo.com/v3/transactionalSMS/send")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)

# Background tasks (django.tasks + django-tasks-db): enqueued in the caller's transaction.
TASKS = {
    "default": {
        # django-tasks-db's backend, recording the enqueuing request's id (passplus/core).
        "BACKEND": "passplus.core.task_backend.RequestAwareDatabaseBackend",
        "QUEUES": ["default", "emails", "sms", "documents", "imports", "scheduled"],
    }
}
TASK_MAX_ATTEMPTS = env_int("TASK_MAX_ATTEMPTS", 5)
TASK_RETRY_BASE_SECONDS = env_int("TASK_RETRY_BASE_SECONDS", 60)
# Task workers (`manage.py worker`, passplus/workers): each refreshes its heartbeat every
# WORKER_HEARTBEAT_SECONDS; one not seen for WORKER_LEASE_SECONDS is dead, and its running work
# is recovered (passplus/workers/recovery.py). On SQLite the lease must outlast the longest write
# transaction (a heartbeat waits for it), e.g. a 100,000-line import: about a minute.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10)
WORKER_LEASE_SECONDS = env_int("WORKER_LEASE_SECONDS", 60)
if WORKER_LEASE_SECONDS <= 2 * WORKER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("WORKER_LEASE_SECONDS must exceed twice WORKER_HEARTBEAT_SECONDS.")
# A worker that loses the database retries with a back-off doubling up to this many seconds.
WORKER_RECONNECT_MAX_SECONDS = env_int("WORKER_RECONNECT_MAX_SECONDS", 30)

# The scheme: its name and territory are data/settings so another département can run it.
PASSPLUS_SCHEME_NAME = env_str("PASSPLUS_SCHEME_NAME", "Pass+ Hauts-de-Seine")
# Staff's second factor (django-otp): the name authenticator apps show for the account.
OTP_TOTP_ISSUER = PASSPLUS_SCHEME_NAME
# Never show a key or a recovery code in Django's admin (passplus/accounts/admin_secrets.py
# replaces those admins anyway; this covers any other view django-otp adds).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
PASSPLUS_TERRITORY_NAME = env_str("PASSPLUS_TERRITORY_NAME", "Hauts-de-Seine")
PASSPLUS_TERRITORY_CODE = env_str("PASSPLUS_TERRITORY_CODE", "92")
# How the authority that pays is named in documents ("Le {…}, ci-après « le Département »").
PASSPLUS_AUTHORITY_NAME = env_str("PASSPLUS_AUTHORITY_NAME", "Département des Hauts-de-Seine")
PASSPLUS_CONTACT_EMAIL = env_str("PASSPLUS_CONTACT_EMAIL", "passplus@departement.example.fr")
# The host of the service, as the legal notices must name it (LCEN art. 6).
PASSPLUS_HOST_NAME = env_str(
    "PASSPLUS_HOST_NAME", "Direction des systèmes d'information du Département"
)
PASSPLUS_HOST_ADDRESS = env_str("PASSPLUS_HOST_ADDRESS", "Hôtel du Département")
# Where the source code of the running service is offered (AGPL-3.0 §13: its users may ask for
# it), linked from the legal notices.
PASSPLUS_SOURCE_URL = env_str("PASSPLUS_SOURCE_URL", "https://example.org/passplus.git")
# Vulnerability reports (SECURITY.md; /.well-known/security.txt, RFC 9116, docs/deployment.md):
# whom to write to (default: the service's contact address); how many days ahead the file's
# Expires lies (RFC 9116 recommends less than a year); the page stating the policy (empty: the
# "Signaler une faille de sécurité" section of the legal notices, at SITE_URL).
PASSPLUS_SECURITY_CONTACT = security_contacts(
    env_str("PASSPLUS_SECURITY_CONTACT", PASSPLUS_CONTACT_EMAIL)
)
PASSPLUS_SECURITY_TXT_EXPIRES_DAYS = env_int("PASSPLUS_SECURITY_TXT_EXPIRES_DAYS", 180)
if not 1 <= PASSPLUS_SECURITY_TXT_EXPIRES_DAYS <= 364:
    raise ImproperlyConfigured("PASSPLUS_SECURITY_TXT_EXPIRES_DAYS must be from 1 to 364.")
PASSPLUS_SECURITY_POLICY_URL = env_str("PASSPLUS_SECURITY_POLICY_URL")
if PASSPLUS_SECURITY_POLICY_URL and not PASSPLUS_SECURITY_POLICY_URL.startswith("https://"):
    raise ImproperlyConfigured("PASSPLUS_SECURITY_POLICY_URL must be an https:// address.")
# Affiliation: minimum age of an organisation at signature; largest RIB upload.
PASSPLUS_MIN_ORGANISATION_AGE_YEARS = env_int("PASSPLUS_MIN_ORGANISATION_AGE_YEARS", 2)
PASSPLUS_RIB_MAX_BYTES = env_int("PASSPLUS_RIB_MAX_BYTES", 5 * 1024 * 1024)
# Largest pupil import file (back office, CSV).
PASSPLUS_PUPIL_IMPORT_MAX_BYTES = env_int("PASSPLUS_PUPIL_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# Switch-over (issue 34): the ZIP of documents beside the organisations file. At most this many
# documents (3,000 organisations x a RIB and a convention, with room), and this many bytes once
# decompressed: 2 GiB is 350 KiB a document on average for 6,000 documents (a scanned RIB or
# signed PDF is 100 KiB to 1 MiB); a larger export goes in several files, each with its archive.
PASSPLUS_SWITCH_OVER_MAX_DOCUMENTS = env_int("PASSPLUS_SWITCH_OVER_MAX_DOCUMENTS", 10_000)
PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES = env_int(
    "PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES", 2 * 1024**3
)
if PASSPLUS_SWITCH_OVER_MAX_DOCUMENTS < 1 or PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES < 1:
    raise ImproperlyConfigured("The switch-over's documents limits must be positive.")
# Request size (docs/deployment.md, "Request size"): a request announcing a larger body
# (Content-Length) is refused with 413 before anything reads it. Each limit is its largest file
# plus 1 MiB for the rest of the form; the pupil import page alone has the larger one. The
# reverse proxy's body limit must be at least the larger one.
PASSPLUS_MAX_REQUEST_BYTES = env_int("PASSPLUS_MAX_REQUEST_BYTES", PASSPLUS_RIB_MAX_BYTES + 2**20)
PASSPLUS_MAX_IMPORT_REQUEST_BYTES = env_int(
    "PASSPLUS_MAX_IMPORT_REQUEST_BYTES", PASSPLUS_PUPIL_IMPORT_MAX_BYTES + 2**20
)
# The « Reprise des organismes » page (issue 34), on its exact path: the organisations file
# (20 MiB, passplus.organisations.switch_over.requests.MAX_FILE_BYTES) and its ZIP of documents
# (PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES), plus 1 MiB.
PASSPLUS_MAX_ORGANISATION_IMPORT_REQUEST_BYTES = env_int(
    "PASSPLUS_MAX_ORGANISATION_IMPORT_REQUEST_BYTES",
    20 * 2**20 + PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES + 2**20,
)
# Form fields other than files (urlencoded or multipart) read into memory: 400 above this.
# Our largest text field is the pasted bulk entry (64 KB at most); Django's 2.5 MB, chosen.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Uploaded files above this size are streamed to a temporary file rather than kept in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Ticket look-ups: failures allowed per organisation and per IP in a window, then a block.
PASSPLUS_LOOKUP_MAX_FAILURES = env_int("PASSPLUS_LOOKUP_MAX_FAILURES", 10)
PASSPLUS_LOOKUP_WINDOW_MINUTES = env_int("PASSPLUS_LOOKUP_WINDOW_MINUTES", 15)
PASSPLUS_LOOKUP_BLOCK_MINUTES = env_int("PASSPLUS_LOOKUP_BLOCK_MINUTES", 15)
# The address is only a brake against one person spreading guesses across many accounts: high
# enough that a few clubs behind one shared address (town hall, sports complex, mobile carrier)
# never reach it in normal use (docs/deployment.md).
PASSPLUS_LOOKUP_MAX_FAILURES_PER_ADDRESS = env_int("PASSPLUS_LOOKUP_MAX_FAILURES_PER_ADDRESS", 50)
# Who a blocked partner calls: shown in the block message.
PASSPLUS_SUPPORT_PHONE = env_str("PASSPLUS_SUPPORT_PHONE", "01 23 45 67 89")
PASSPLUS_SUPPORT_HOURS = env_str(
    "PASSPLUS_SUPPORT_HOURS", "du lundi au vendredi, de 9 h à 12 h 30 et de 14 h à 17 h"
)
PASSPLUS_BULK_ENTRY_MAX_LINES = env_int("PASSPLUS_BULK_ENTRY_MAX_LINES", 100)
# SMS codes sent within a rolling 24 hours, per organisation (whatever the number) and per
# destination number (whatever the organisation); counted in the database (signatures.sms_caps).
PASSPLUS_SMS_MAX_PER_ORGANISATION_PER_DAY = env_int("PASSPLUS_SMS_MAX_PER_ORGANISATION_PER_DAY", 10)
PASSPLUS_SMS_MAX_PER_NUMBER_PER_DAY = env_int("PASSPLUS_SMS_MAX_PER_NUMBER_PER_DAY", 5)
for _name in ("PASSPLUS_SMS_MAX_PER_ORGANISATION_PER_DAY", "PASSPLUS_SMS_MAX_PER_NUMBER_PER_DAY"):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"{_name} must be a positive number.")
del _name
# Retention (GDPR): pupils and families of a school year are anonymised this many days after
# the year's redemption deadline (default: one year), by `manage.py anonymise_closed_school_years`.
PASSPLUS_RETENTION_DAYS = env_int("PASSPLUS_RETENTION_DAYS", 365)
# Reminder e-mails (passplus/reminders, docs/reminders-and-expiry.md), each sent once; each
# kind can be switched off: families with unused credit (J-30 and J-7 before the generation
# deadline), partners with entries but no validated bank details (the week before each
# cut-off), correspondents whose identification form's invitation expires within 3 days.
PASSPLUS_REMINDER_FAMILY_CREDIT = env_bool("PASSPLUS_REMINDER_FAMILY_CREDIT", True)
PASSPLUS_REMINDER_PARTNER_BANK_DETAILS = env_bool("PASSPLUS_REMINDER_PARTNER_BANK_DETAILS", True)
PASSPLUS_REMINDER_CORRESPONDENT_INVITATION = env_bool(
    "PASSPLUS_REMINDER_CORRESPONDENT_INVITATION", True
)
# Switch-over (docs/switch-over.md): the contact of an imported organisation nobody has claimed
# is reminded (with a new claim link) this many days after the last invitation, at most three
# times (passplus/organisations/switch_over/claims.py, job claim_reminders); 0: no reminder.
PASSPLUS_CLAIM_REMINDER_DAYS = env_int("PASSPLUS_CLAIM_REMINDER_DAYS", 14)
if PASSPLUS_CLAIM_REMINDER_DAYS < 0:
    raise ImproperlyConfigured("PASSPLUS_CLAIM_REMINDER_DAYS must be 0 (off) or more.")
# Payment cycle: cut-off days of the month (00:00 local time).
PASSPLUS_CUTOFF_DAYS = [int(day) for day in env_list("PASSPLUS_CUTOFF_DAYS", "1,16")]
# Days from a cut-off to the day its transfer is expected on the partner's account (run built at
# the cut-off, checked, approved, transmitted, executed by the bank): shown to partners only.
PASSPLUS_PAYMENT_DELAY_DAYS = env_int("PASSPLUS_PAYMENT_DELAY_DAYS", 10)
# Days an organisation has to confirm or refuse a ticket assigned to it online (issue 35),
# cut short by the school year's entry deadline.
PASSPLUS_ASSIGNMENT_DELAY_DAYS = env_int("PASSPLUS_ASSIGNMENT_DELAY_DAYS", 30)
if PASSPLUS_ASSIGNMENT_DELAY_DAYS < 1:
    raise ImproperlyConfigured("PASSPLUS_ASSIGNMENT_DELAY_DAYS must be 1 or more.")

# Periodic jobs (passplus/scheduling/jobs.py), run by `manage.py scheduler`: crontab expressions
# in local time (TIME_ZONE), each overridable by PASSPLUS_SCHEDULE_<JOB> (e.g.
# PASSPLUS_SCHEDULE_REMINDERS="0 10 * * *"). The payment runs: 5 minutes after each cut-off.
_CUTOFF_DAYS_CRON = ",".join(str(day) for day in sorted(set(PASSPLUS_CUTOFF_DAYS)))
_SCHEDULE_DEFAULTS = {
    "payment_runs": f"5 0 {_CUTOFF_DAYS_CRON} * *",
    "ticket_expiry": "15 0 * * *",
    "assignments": "20 * * * *",
    "reminders": "0 9 * * *",
    "claim_reminders": "30 9 * * *",
    "retention": "30 2 * * *",
    "statistics": "0 3 * * *",
    "sessions": "30 3 * * *",
    "task_results": "45 3 * * *",
    "dead_work": "*/5 * * * *",
}
PASSPLUS_SCHEDULES = {
    job: env_str(f"PASSPLUS_SCHEDULE_{job.upper()}") or default
    for job, default in _SCHEDULE_DEFAULTS.items()
}
# One scheduler at a time: it holds a lease in the database for SCHEDULER_LEASE_SECONDS and
# renews it every SCHEDULER_LEASE_REFRESH_SECONDS; a second one waits until the lease expires.
SCHEDULER_LEASE_SECONDS = env_int("SCHEDULER_LEASE_SECONDS", 30)
SCHEDULER_LEASE_REFRESH_SECONDS = env_int("SCHEDULER_LEASE_REFRESH_SECONDS", 10)
# django-crontask reads its lock timings here; no REDIS_URL: the lock is our database lease.
CRONTASK = {
    "LOCK_REFRESH_INTERVAL": SCHEDULER_LEASE_REFRESH_SECONDS,
    "LOCK_TIMEOUT": SCHEDULER_LEASE_SECONDS,
}
# Finished task results are deleted after this many days (failed ones after the second figure).
TASK_RESULT_RETENTION_DAYS = env_int("TASK_RESULT_RETENTION_DAYS", 30)
TASK_RESULT_FAILED_RETENTION_DAYS = env_int("TASK_RESULT_FAILED_RETENTION_DAYS", 90)
# SEPA credit-transfer file: schema (pain.001.001.03 or .09), the département's account
# (development defaults: a fictitious but valid French IBAN), execution date in business days.
PASSPLUS_SEPA_SCHEMA = env_str("PASSPLUS_SEPA_SCHEMA", "pain.001.001.03")
PASSPLUS_DEBTOR_NAME = env_str("PASSPLUS_DEBTOR_NAME", "Departement des Hauts-de-Seine")
PASSPLUS_DEBTOR_IBAN = env_str("PASSPLUS_DEBTOR_IBAN", "FR7630001007941234567890185")
PASSPLUS_DEBTOR_BIC = env_str("PASSPLUS_DEBTOR_BIC", "BDFEFRPPCCT")
PASSPLUS_SEPA_EXECUTION_DAYS = env_int("PASSPLUS_SEPA_EXECUTION_DAYS", 1)
# Electronic seal on signed conventions (PAdES): a PKCS#12 file, or a PEM key + certificate.
# Neither set: a self-signed development seal is generated under PASSPLUS_SEAL_DEV_DIR.
PASSPLUS_SEAL_PKCS12 = env_str("PASSPLUS_SEAL_PKCS12")
PASSPLUS_SEAL_PKCS12_PASSPHRASE = env_str("PASSPLUS_SEAL_PKCS12_PASSPHRASE")
PASSPLUS_SEAL_KEY = env_str("PASSPLUS_SEAL_KEY")
PASSPLUS_SEAL_CERT = env_str("PASSPLUS_SEAL_CERT")
PASSPLUS_SEAL_KEY_PASSPHRASE = env_str("PASSPLUS_SEAL_KEY_PASSPHRASE")
PASSPLUS_SEAL_DEV_DIR = Path(env_str("PASSPLUS_SEAL_DEV_DIR", str(BASE_DIR / "var" / "seal")))
# The detailed health report (/sante/detail/, docs/operations.md) for monitoring tools, which
# send `Authorization: Bearer <token>`; département staff need no token. Unset: no token access.
PASSPLUS_HEALTH_TOKEN = env_str("PASSPLUS_HEALTH_TOKEN")
if PASSPLUS_HEALTH_TOKEN and len(PASSPLUS_HEALTH_TOKEN) < 32:
    raise ImproperlyConfigured("PASSPLUS_HEALTH_TOKEN must be at least 32 characters long.")

# Security. Production-safe defaults when DEBUG is off.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if not DEBUG else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
    # The QR-code reader decodes in a worker it builds from a blob (static/vendor/qr-scanner).
    "worker-src": [CSP.SELF, "blob:"],
}

# One line per request (passplus.core.request_log) and per task (passplus.workers), each with
# the request id; JSON in production for a log platform, readable lines in development.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}.")
# The version of pyproject.toml: the release named in error reports.
with (BASE_DIR / "pyproject.toml").open("rb") as _pyproject:
    PASSPLUS_VERSION: str = tomllib.load(_pyproject)["project"]["version"]
del _pyproject

# Metrics (docs/operations-metrics.md): /metriques/ answers Prometheus only with this token
# (`Authorization: Bearer …`); unset, the page does not exist (404). Several processes add up
# when PROMETHEUS_MULTIPROC_DIR is set in their environment (read by prometheus_client itself).
PASSPLUS_METRICS_TOKEN = env_str("PASSPLUS_METRICS_TOKEN")
if PASSPLUS_METRICS_TOKEN and len(PASSPLUS_METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("PASSPLUS_METRICS_TOKEN must be at least 32 characters long.")

# Error reports to Sentry or GlitchTip, scrubbed of personal data (passplus/core/error_reporting
# .py); without SENTRY_DSN, sentry_sdk is not initialised at all.
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production")
SENTRY_RELEASE = env_str("SENTRY_RELEASE", f"passplus@{PASSPLUS_VERSION}")
# Share of requests also sent as performance traces (0: errors only).
SENTRY_TRACES_SAMPLE_RATE = float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0") or 0)
# Local variables of each frame, scrubbed like the rest; off because a model's repr may carry a
# person's name, which no pattern recognises.
SENTRY_INCLUDE_LOCAL_VARIABLES = env_bool("SENTRY_INCLUDE_LOCAL_VARIABLES", False)
if SENTRY_DSN:
    from passplus.core.error_reporting import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=SENTRY_RELEASE,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        include_local_variables=SENTRY_INCLUDE_LOCAL_VARIABLES,
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "passplus.core.request_context.RequestIdFilter"},
        # E-mails and IBANs masked in messages and tracebacks (passplus/core/log_redaction.py).
        "personal_data": {"()": "passplus.core.log_redaction.PersonalDataFilter"},
    },
    "formatters": {
        # A record's `extra` fields (route, status, duration_ms...) follow these.
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["asctime", "levelname", "name", "request_id", "message"],
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        },
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own lines per request (development server; "Not Found: <path>" for every
        # 4xx) would double ours, and write the raw path, which may hold a single-use token.
        # Server errors (ERROR, with the traceback) stay.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # django-axes logs every log-in with the request's path at INFO, and some paths carry a
        # single-use token (invitation links): only its warnings (failures at the login form).
        "axes": {"level": "WARNING"},
        # APScheduler logs every run of the scheduler's lease renewal (every 10 s) at INFO.
        "apscheduler": {"level": "WARNING"},
    },
}
