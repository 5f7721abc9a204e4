"""What no log line may hold (issue 23): an e-mail address, an IBAN, a birth date, a one-time
code sent by SMS, a password or key of the tests. `leaks_in` reads every captured record as a
log platform would receive it: the message, its `extra` fields and its traceback."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from passplus.core.log_redaction import BIRTH_DATE, EMAIL, IBAN_LIKE

# A one-time code, as the SMS that sends it writes it.
CODE = re.compile(r"\b\d{6}\b")
STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def passwords() -> list[str]:
    """The passwords the tests and the demo use."""
    from passplus.demo.build import DEMO_PASSWORD
    from tests.helpers.affiliation import STRONG_PASSWORD
    from tests.helpers.factories import PASSWORD

    return [DEMO_PASSWORD, STRONG_PASSWORD, PASSWORD]


class RecordKeeper(logging.Handler):
    """Keeps the records as the configured handlers write them: through their filters (the
    request id, the masking of e-mails and IBANs: settings.LOGGING)."""

    def __init__(self, configured: list[logging.Handler]) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[logging.LogRecord] = []
        for handler in configured:
            for log_filter in handler.filters:
                self.addFilter(log_filter)

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def as_written(record: logging.LogRecord) -> str:
    extra = " ".join(
        f"{key}={value}" for key, value in vars(record).items() if key not in STANDARD_ATTRIBUTES
    )
    return f"{logging.Formatter().format(record)} {extra}"


def is_iban(text: str) -> bool:
    try:
        IBAN(text)
    except SchwiftyException:
        return False
    return True


def leaks_in(records: Iterable[logging.LogRecord], secrets: Iterable[str] = ()) -> list[str]:
    """ "logger: what leaked" for each record holding something no log may hold."""
    secrets = [secret for secret in secrets if secret]
    leaks = []
    for record in records:
        text = as_written(record)
        found = [*EMAIL.findall(text), *BIRTH_DATE.findall(text)]
        found += [match for match in IBAN_LIKE.findall(text) if is_iban(match)]
        found += [secret for secret in secrets if secret in text]
        leaks += [
            f"{record.name}: {value!r} dans « {record.getMessage()[:120]} »" for value in found
        ]
    return leaks
