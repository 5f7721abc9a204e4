"""SMS backends, chosen by settings.SMS_BACKEND (like Django's e-mail backends).

Development prints or writes files; tests use the in-memory outbox; production plugs an
HTTP provider by subclassing BaseSmsBackend.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str
    sender: str


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> None:
        sys.stdout.write(f"[SMS to {message.to} from {message.sender}] {message.text}\n")


class FileBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%d-%H%M%S-%f}.txt"
        (folder / name).write_text(
            f"To: {message.to}\nFrom: {message.sender}\n\n{message.text}\n", encoding="utf-8"
        )


outbox: list[SmsMessage] = []


class LocmemBackend(BaseSmsBackend):
    """Keeps messages in `passplus.core.sms.outbox` (tests)."""

    def send(self, message: SmsMessage) -> None:
        outbox.append(message)


def get_backend() -> BaseSmsBackend:
    backend_class = import_string(settings.SMS_BACKEND)
    return backend_class()


def send_sms_now(to: str, text: str) -> None:
    get_backend().send(SmsMessage(to=to, text=text, sender=settings.SMS_SENDER))
