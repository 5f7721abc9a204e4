"""Error reporting to Sentry, GlitchTip or any Sentry-compatible server, when `SENTRY_DSN` is
set (docs/operations-metrics.md, "Errors"). Without a DSN, sentry_sdk is not even initialised.

What leaves the server is scrubbed first (`scrub_event`, `scrub_breadcrumb`): the pages handle
minors' birth dates, parents' e-mails and phones, IBANs, SMS codes and ticket numbers, and none
of that may reach a third-party service. sentry_sdk's own protections are on (`send_default_pii`
off, and the stricter `data_collection` that replaces it: no cookies, no user e-mail, no client
address, no request bodies, a short list of request headers); on top of them every string of
the event is masked by pattern and every value under a sensitive key is replaced, wherever it
sits: exception messages, local variables, request headers and query strings, log messages and
breadcrumbs. The user is reported by id alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote_plus, urlencode

import sentry_sdk

from passplus.core.privacy import mask_iban

if TYPE_CHECKING:  # imported by settings.py: nothing of Django at import time
    from django.http import HttpRequest, HttpResponseBase

FILTERED = "[Filtré]"

# A key holds a secret or personal data, and its value is replaced, when it contains one of
# these...
SENSITIVE_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "authorization",
    "cookie",
    "csrf",
    "session",
    "iban",
    "birth",
    "naissance",
    "mail",
    "phone",
    "mobile",
    "sms",
    "first_name",
    "last_name",
    "prenom",
    "forwarded",
)
# ...or one of these words (between "_", "-" or "."): "code" but not "postcode".
SENSITIVE_WORDS = frozenset(
    {"code", "otp", "bic", "number", "numero", "ticket", "ip", "addr", "address", "adresse", "auth"}
)
# Keys whose values are the program's own (file names, types, versions): never masked.
PROGRAM_KEYS = frozenset(
    {
        "abs_path",
        "filename",
        "module",
        "function",
        "lineno",
        "colno",
        "in_app",
        "platform",
        "type",
        "mechanism",
        "event_id",
        "timestamp",
        "start_timestamp",
        "level",
        "logger",
        "release",
        "environment",
        "sdk",
        "modules",
        "server_name",
        "context_line",
        "pre_context",
        "post_context",
        "fingerprint",
        "transaction",
        "transaction_info",
        "category",
        "thread_id",
        "runtime",
        "os",
        "trace",
    }
)
# Keys that name program things even though they contain a sensitive word.
_NOT_SENSITIVE = frozenset({"status_code", "exit_code"})

_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    # E-mail addresses.
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), lambda m: "[e-mail]"),
    # IBANs, grouped by 4 or not: masked as everywhere else (country and last 4 characters).
    (
        re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"),
        lambda m: mask_iban(m.group().replace(" ", "")),
    ),
    # Dates (a birth date looks like any other): 12/04/2013, 2013-04-12, date(2013, 4, 12).
    (re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\b"), lambda m: "[date]"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), lambda m: "[date]"),
    (re.compile(r"date(?:time)?\(\d{4}, \d{1,2}, \d{1,2}[^)]*\)"), lambda m: "[date]"),
    # Phone numbers: +33 6 12 34 56 78, 06 12 34 56 78, 06.12.34.56.78.
    (re.compile(r"(?:\+\d{2,3}[ .]?|\b0)\d(?:[ .-]?\d{2}){4}\b"), lambda m: "[téléphone]"),
    # Long random strings: invitation and reset tokens in paths, API keys.
    (re.compile(r"(?<![\w.])[A-Za-z0-9_\-]{24,}(?![\w.])"), lambda m: "[jeton]"),
    # Any other run of 4 digits or more: SMS codes, ticket numbers (1234 5678 9012), SIRET.
    (re.compile(r"\d{4,}(?:[ ]\d{4})*"), lambda m: "…"),
]


# The only request headers an error report keeps (neither Cookie, Authorization, Referer nor
# X-Forwarded-For).
SAFE_HEADERS = ["user-agent", "accept", "accept-language", "content-type", "content-length", "host"]


def scrub_text(text: str) -> str:
    if "%" in text:  # a URL in a repr: jeanne%40club.fr is an e-mail too
        text = unquote_plus(text)
    for pattern, replace in _PATTERNS:
        text = pattern.sub(replace, text)
    return text


def _sensitive(key: str) -> bool:
    lowered = key.lower().replace("-", "_")
    if lowered in _NOT_SENSITIVE:
        return False
    if any(part in lowered for part in SENSITIVE_PARTS):
        return True
    return any(word in SENSITIVE_WORDS for word in re.split(r"[_.\s]+", lowered))


def _scrub(value: Any, key: str = "") -> Any:
    if key in PROGRAM_KEYS:
        return value
    if key and _sensitive(key) and value not in (None, "", [], {}):
        return FILTERED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: _scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def _scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    for dropped in ("cookies", "data", "env"):
        if request.get(dropped):
            request[dropped] = FILTERED
    query = request.get("query_string")
    if isinstance(query, str) and query:
        pairs = parse_qsl(query, keep_blank_values=True)
        request["query_string"] = urlencode(
            [(k, FILTERED if _sensitive(k) else scrub_text(v)) for k, v in pairs]
        )
    if isinstance(request.get("headers"), dict):
        request["headers"] = _scrub(request["headers"])
    if isinstance(request.get("url"), str):
        request["url"] = scrub_text(request["url"])
    return request


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """`before_send`: the event as it may leave the server."""
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": str(user["id"])} if user.get("id") is not None else {}
    if isinstance(event.get("request"), dict):
        event["request"] = _scrub_request(event["request"])
    for key, value in list(event.items()):
        if key not in {"user", "request"}:
            event[key] = _scrub(value, key)
    return event


def scrub_breadcrumb(
    crumb: dict[str, Any], hint: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """`before_breadcrumb`: log messages and their arguments, SQL, HTTP calls."""
    return {key: _scrub(value, key) for key, value in crumb.items()}


def sentry_init(
    *,
    dsn: str,
    environment: str,
    release: str,
    traces_sample_rate: float = 0.0,
    include_local_variables: bool = False,
    transport: Any = None,
) -> None:
    """Start reporting errors (called from settings when SENTRY_DSN is set, and by tests with
    a fake transport). Local variables are off by default: a model's repr may carry a name."""
    # local import (settings): loads Django's URL, signal and cache machinery, which settings.py
    # (the caller) must not; needed only once SENTRY_DSN turns the reports on.
    from sentry_sdk.integrations.django import DjangoIntegration

    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        # What the integrations collect by themselves; `data_collection` supersedes
        # `send_default_pii` (deprecated in sentry-sdk 2.7x; unset, it counts as False).
        data_collection={
            "user_info": False,  # no e-mail, username or address; the id is added below
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": SAFE_HEADERS}},
            "http_bodies": [],
            "url_query_params": {"mode": "denylist", "terms": list(SENSITIVE_PARTS)},
            "database_query_data": False,
            "queues": False,
            "graphql": {"document": False, "variables": False},
            "gen_ai": {"inputs": False, "outputs": False},
            "stack_frame_variables": include_local_variables,
        },
        max_request_body_size="never",
        include_local_variables=include_local_variables,
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,  # type: ignore[arg-type]
        before_breadcrumb=scrub_breadcrumb,
        integrations=[DjangoIntegration(transaction_style="url")],
        **options,
    )


class ErrorReportingUserMiddleware:
    """Tells an error report which user met it, by id only (send_default_pii=False sends no
    user at all). The user is read only if an event is sent: no cost on a request that works."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if sentry_sdk.get_client().is_active():

            def add_user_id(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
                user = getattr(request, "user", None)
                if user is not None and user.is_authenticated:
                    event["user"] = {"id": str(user.pk)}
                return event

            sentry_sdk.get_isolation_scope().add_event_processor(add_user_id)  # type: ignore[arg-type]
        return self.get_response(request)
