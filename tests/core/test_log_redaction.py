"""The handler's filter masks e-mails and IBANs that an exception or a library writes (issue
23): in the message and in the traceback, and leaves the rest of the line."""

from __future__ import annotations

import logging
import sys

from passplus.core.log_redaction import PersonalDataFilter


def test_an_email_and_an_iban_are_masked_in_the_message_and_the_traceback() -> None:
    try:
        raise ValueError(
            "refusé pour parent@example.fr, IBAN FR7630006000011234567890189, né le 12/04/2013"
        )
    except ValueError:
        record = logging.makeLogRecord(
            {"msg": "échec de %s", "args": ("parent@example.fr",), "exc_info": sys.exc_info()}
        )
    assert PersonalDataFilter().filter(record)
    written = logging.Formatter().format(record)
    assert "parent@example.fr" not in written
    assert "FR7630006000011234567890189" not in written
    assert "12/04/2013" not in written and "né le [date masquée]" in written
    assert "échec de [adresse masquée]" in written
    assert "FR•• •••• •••• •••• •••• ••01 89" in written
    assert "ValueError" in written


def test_a_clean_record_is_left_as_it_is() -> None:
    record = logging.makeLogRecord(
        {"msg": "ticket %s saisi le %s", "args": ("123456789012", "2026-09-14")}
    )
    PersonalDataFilter().filter(record)
    assert record.args == ("123456789012", "2026-09-14")
    assert record.getMessage() == "ticket 123456789012 saisi le 2026-09-14"
