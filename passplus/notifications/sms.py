"""SMS backends, chosen by settings.SMS_BACKEND (like Django's e-mail backends).

Development prints or writes files; tests use the in-memory outbox; production sends through
an HTTP provider (BrevoBackend). A message usually carries a one-time code: no backend meant for
production writes its text to a log, an exception or a file.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

from passplus.core.metrics import sms_count

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str
    sender: str


class SmsDeliveryError(Exception):
    """The provider refused the message or could not be reached.

    The error says why (HTTP status, the provider's own error) but never carries the message
    text: it ends up in logs and in the failed task results shown in the back office.
    `retryable` is False when sending again cannot help (a 4xx refusal other than 429).
    """

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    """Development only: prints the code where the developer can read it."""

    def send(self, message: SmsMessage) -> None:
        sys.stdout.write(f"[SMS to {message.to} from {message.sender}] {message.text}\n")


class FileBackend(BaseSmsBackend):
    """Development only: one file per SMS under SMS_FILE_PATH (the demo reads its codes there)."""

    def send(self, message: SmsMessage) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%d-%H%M%S-%f}.txt"
        (folder / name).write_text(
            f"To: {message.to}\nFrom: {message.sender}\n\n{message.text}\n", encoding="utf-8"
        )


outbox: list[SmsMessage] = []


class LocmemBackend(BaseSmsBackend):
    """Keeps messages in `passplus.notifications.sms.outbox` (tests)."""

    def send(self, message: SmsMessage) -> None:
        outbox.append(message)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: following it would resend the API key to another address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class BrevoBackend(BaseSmsBackend):
    """Brevo transactional SMS API: POST {SMS_BREVO_API_URL} with the `api-key` header.

    Reference: https://developers.brevo.com/reference/send-async-transactional-sms (the older
    /v3/transactionalSMS/sms endpoint is deprecated). Brevo answers 201 with a messageId.
    """

    def __init__(self) -> None:
        self.api_key: str = settings.SMS_BREVO_API_KEY
        self.url: str = settings.SMS_BREVO_API_URL
        self.timeout: float = settings.SMS_HTTP_TIMEOUT
        if not self.api_key:
            raise ImproperlyConfigured("SMS_BREVO_API_KEY must be set to send SMS through Brevo.")
        parts = urlsplit(self.url)
        if not (
            parts.scheme == "https"
            or (parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS)
        ):
            raise ImproperlyConfigured("SMS_BREVO_API_URL must be an https:// address.")
        self.opener = urllib.request.build_opener(_NoRedirect)

    def send(self, message: SmsMessage) -> None:
        payload = {
            "sender": message.sender,
            # E.164 is stored with "+"; Brevo's examples give the number without it.
            "recipient": message.to.removeprefix("+"),
            "content": message.text,
            "type": "transactional",
        }
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            self.url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "api-key": self.api_key,
                "content-type": "application/json",
                "accept": "application/json",
            },
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                answer = response.read()
        except urllib.error.HTTPError as error:
            with error:
                detail = _provider_error(error, message.text)
            raise SmsDeliveryError(
                f"Brevo refused the SMS: HTTP {error.code} {detail}",
                retryable=not (400 <= error.code < 500 and error.code != 429),
            ) from None
        except (OSError, HTTPException) as error:
            reason = getattr(error, "reason", None) or error
            raise SmsDeliveryError(f"Brevo could not be reached: {reason!r}") from None
        logger.info("SMS accepted by Brevo, messageId=%s", _message_id(answer))


def _provider_error(error: urllib.error.HTTPError, text: str) -> str:
    """The provider's error, without anything that could be the message or its code."""
    try:
        raw = error.read(2000).decode("utf-8", "replace")
    except (OSError, HTTPException):
        raw = ""
    try:
        body = json.loads(raw)
        detail = ": ".join(str(body[key]) for key in ("code", "message") if body.get(key))
    except (ValueError, AttributeError):
        detail = " ".join(raw.split())
    # Should the provider echo the content, drop it, and any run of digits (a code).
    return re.sub(r"\d{4,}", "…", detail.replace(text, "<text>"))[:300]


def _message_id(answer: bytes) -> str:
    try:
        return str(json.loads(answer).get("messageId", "?"))
    except (ValueError, AttributeError):
        return "?"


def get_backend() -> BaseSmsBackend:
    backend_class: type[BaseSmsBackend] = import_string(settings.SMS_BACKEND)
    return backend_class()


def send_sms_now(to: str, text: str) -> None:
    """Send through the configured backend, counted by outcome (passplus_sms_messages_total)."""
    try:
        get_backend().send(SmsMessage(to=to, text=text, sender=settings.SMS_SENDER))
    except Exception:
        sms_count("failed")
        raise
    sms_count("sent")
