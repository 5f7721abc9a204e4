"""Stable Message-IDs: every attempt to send one e-mail carries the same Message-ID header.

Sending is at-least-once (docs/operations.md, "E-mail delivery: at least once"): a worker that
dies after the SMTP server kept a message but before it heard "accepted" leaves the task to be
retried, and the retry sends the message again. With Django's default a retry would get a new
random Message-ID, and no mail system could tell the copy from a new message; with an id derived
from what the message is about (the payment, the invitation, the reset request...) and its
recipients, the copy is recognisably the same message.

The id is a keyed hash (HMAC-SHA256 with SECRET_KEY): it says nothing about the payment or the
address it was derived from. Its domain is SITE_URL's host.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.crypto import salted_hmac

KEY_SALT = "passplus.notifications.message_id"


def message_id(*, about: str, to: list[str]) -> str:
    """The Message-ID of the e-mail to `to` about `about`.

    `about` names one message, the same across retries and different for any other message:
    "<kind>:<object id>[:<what makes it unique>]", e.g. "payment-paid:42",
    "family-welcome:7", "password-reset:<request time>:<user id>". Two messages given the same
    `about` and recipients are the same message to mail systems (a copy may be dropped)."""
    if not about:
        raise ValueError("An e-mail needs what it is about to get a stable Message-ID.")
    recipients = ",".join(sorted(address.strip().lower() for address in to))
    digest = salted_hmac(KEY_SALT, f"{about}\n{recipients}", algorithm="sha256").hexdigest()
    return f"<{digest[:40]}@{domain()}>"


def unique_message_id() -> str:
    """A Message-ID for a queued e-mail whose caller named nothing it is about: random, made
    once when it is queued and kept in its task's arguments, so its retries share it too."""
    return f"<{uuid.uuid4().hex}@{domain()}>"


def domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"
