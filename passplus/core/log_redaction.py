"""The last guard before a log line leaves the process: e-mail addresses and IBANs in a
record's message or traceback (an exception's message may quote what a user typed) are
masked by the handler's filter (settings.LOGGING). Our own log calls give ids, never these;
the tests fail any record that would still write one (tests/helpers/log_guard.py)."""

from __future__ import annotations

import logging
import re

from passplus.core.privacy import mask_iban

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IBAN_LIKE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")
EMAIL_MASK = "[adresse masquée]"


def redacted(text: str) -> str:
    text = EMAIL.sub(EMAIL_MASK, text)
    return IBAN_LIKE.sub(lambda match: mask_iban(match.group(0)), text)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if (clean := redacted(message)) != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redacted(record.exc_text)
        return True
