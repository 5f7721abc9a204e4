"""The last guard before a log line leaves the process: e-mail addresses, IBANs and dates that
may be a pupil's birth date in a record's message or traceback (an exception's message may
quote what a user typed) are masked by the handler's filter (settings.LOGGING). Our own log
calls give ids, never these; the tests fail any record that would still write one
(tests/helpers/log_guard.py)."""

from __future__ import annotations

import logging
import re

from passplus.core.privacy import mask_iban

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IBAN_LIKE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")
# A pupil's birth date: pupils are 10 to 16 years old, so a date of a year from 2005 to 2020,
# as a form or a database writes it. Other dates (campaigns, cut-offs, timestamps) stay.
BIRTH_DATE = re.compile(
    r"\b(?:(?:0[1-9]|[12]\d|3[01])/(?:0[1-9]|1[0-2])/20(?:0[5-9]|1\d|20)"
    r"|20(?:0[5-9]|1\d|20)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))\b"
)
EMAIL_MASK = "[adresse masquée]"
DATE_MASK = "[date masquée]"


def redacted(text: str) -> str:
    text = EMAIL.sub(EMAIL_MASK, text)
    text = BIRTH_DATE.sub(DATE_MASK, text)
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
