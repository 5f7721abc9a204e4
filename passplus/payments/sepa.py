"""SEPA credit-transfer file (pain.001) of an approved payment run (docs/design.md §7).

Built with sepaxml (``clean=True``, exported without its slow xmlschema validation), then
validated with lxml against the XSD shipped in sepaxml. Names, remittance texts and ids are
reduced to the EPC character set here: sepaxml only transliterates accents.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sepaxml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from lxml import etree
from schwifty import BIC, IBAN
from sepaxml import SepaTransfer

from passplus.core.errors import DomainError
from passplus.payments.models import PaymentRun, PaymentRunStatus

SCHEMAS = ("pain.001.001.03", "pain.001.001.09")
SCHEMA_DIR = Path(sepaxml.__file__).resolve().parent / "schemas"
# Characters allowed by the EPC implementation guidelines (SEPA basic Latin set).
EPC_ALLOWED = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
# Letters NFKD does not decompose, and typographic quotes worth keeping as an apostrophe.
_TRANSLITERATIONS = str.maketrans(
    {"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "Ø": "O", "ø": "o", "’": "'", "‘": "'"}
)
ID_MAX_LENGTH = 35
NAME_MAX_LENGTH = 70
REMITTANCE_MAX_LENGTH = 140
XSD_ERRORS_SHOWN = 5
RUN_STATUSES_WITH_FILE = (PaymentRunStatus.APPROVED, PaymentRunStatus.SENT, PaymentRunStatus.CLOSED)


class SepaValidationError(DomainError):
    """The produced file does not validate against the XSD of its schema."""


@dataclass(frozen=True)
class SepaFile:
    xml: bytes
    sha256: str
    filename: str


def epc_text(value: str, max_length: int) -> str:
    """Reduce `value` to the EPC character set: accents transliterated, any other character
    replaced by a space, spaces collapsed, then truncated to `max_length`."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_TRANSLITERATIONS))
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    text = " ".join(EPC_ALLOWED.sub(" ", without_marks).split())
    return text[:max_length].rstrip()


def requested_execution_date(today: dt.date | None = None, days: int | None = None) -> dt.date:
    """`days` business days (Monday to Friday) after `today` (default: the setting)."""
    current = today or timezone.localdate()
    remaining = settings.PASSPLUS_SEPA_EXECUTION_DAYS if days is None else days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    # Zero days on a weekend still asks for a business day.
    while current.weekday() >= 5:
        current += dt.timedelta(days=1)
    return current


def remittance_text(cut_off: dt.datetime, ticket_count: int) -> str:
    """E.g. "PASS+ 2026-11-16 12 tickets" (the cut-off's local date)."""
    noun = "ticket" if ticket_count == 1 else "tickets"
    day = timezone.localtime(cut_off).date()
    return epc_text(f"PASS+ {day:%Y-%m-%d} {ticket_count} {noun}", REMITTANCE_MAX_LENGTH)


def message_id(run: PaymentRun, now: dt.datetime | None = None) -> str:
    """Unique per file produced: the run's cut-off and the creation time (≤ 35 characters)."""
    moment = timezone.localtime(now or timezone.now())
    cut_off = timezone.localtime(run.cut_off)
    return f"PASSPLUS-{cut_off:%Y%m%d}-{moment:%Y%m%d%H%M%S}"


def sepa_file(run: PaymentRun, *, today: dt.date | None = None) -> SepaFile:
    """The pain.001 file of an approved (or later) run: one transaction per payment.

    Raises DomainError if the run is not approved or a payment cannot be transferred, and
    SepaValidationError if the produced file does not validate against the XSD."""
    if run.status not in RUN_STATUSES_WITH_FILE:
        raise DomainError(
            "Le fichier de virement ne peut être produit qu'une fois la campagne approuvée."
        )
    schema = _schema()
    payments = list(run.payments.order_by("end_to_end_id"))
    if not payments:
        raise DomainError("La campagne ne contient aucun virement.")
    execution_date = requested_execution_date(today)
    transfer = SepaTransfer(_debtor_config(), schema=schema, clean=True)
    msg_id = message_id(run)
    _set_message_id(transfer, msg_id)
    for payment in payments:
        _check_end_to_end_id(payment.end_to_end_id)
        # add_payment mutates its argument (the date becomes a string): a fresh dict each time.
        transaction: dict[str, Any] = {
            "name": epc_text(payment.holder, NAME_MAX_LENGTH) or "Beneficiaire",
            "IBAN": payment.iban.replace(" ", "").upper(),
            "amount": int(payment.amount_cents),
            "execution_date": execution_date,
            "description": remittance_text(run.cut_off, payment.ticket_count),
            "endtoend_id": payment.end_to_end_id,
        }
        bic = payment.bic.replace(" ", "").upper()
        if bic:  # Optional in SEPA (IBAN only): an empty one would fail the XSD.
            transaction["BIC"] = bic
        transfer.add_payment(transaction)
    xml: bytes = transfer.export(validate=False)
    validate_sepa_xml(xml, schema)
    cut_off = timezone.localtime(run.cut_off)
    return SepaFile(
        xml=xml,
        sha256=hashlib.sha256(xml).hexdigest(),
        filename=f"passplus-virements-{cut_off:%Y-%m-%d}-{msg_id[-14:]}.xml",
    )


def validate_sepa_xml(xml: bytes, schema: str) -> None:
    """Validate against the XSD shipped with sepaxml; the first errors are in the message."""
    xsd = _xsd(schema)
    try:
        document = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as error:
        raise SepaValidationError(f"Fichier SEPA illisible : {error}") from error
    if xsd.validate(document):
        return
    errors = [f"ligne {error.line} : {error.message}" for error in xsd.error_log]
    shown = " ; ".join(errors[:XSD_ERRORS_SHOWN])
    more = (
        f" (et {len(errors) - XSD_ERRORS_SHOWN} autres)" if len(errors) > XSD_ERRORS_SHOWN else ""
    )
    raise SepaValidationError(
        f"Le fichier SEPA n'est pas conforme au schéma {schema} : {shown}{more}"
    )


@functools.cache
def _xsd(schema: str) -> Any:
    if schema not in SCHEMAS:
        raise ImproperlyConfigured(f"Schéma SEPA non pris en charge : {schema}")
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / f"{schema}.xsd")))


def _schema() -> str:
    schema = str(settings.PASSPLUS_SEPA_SCHEMA)
    if schema not in SCHEMAS:
        raise ImproperlyConfigured(
            f"PASSPLUS_SEPA_SCHEMA doit valoir {' ou '.join(SCHEMAS)} (reçu : {schema!r})."
        )
    return schema


def _debtor_config() -> dict[str, Any]:
    """The département's account, checked (IBAN with its national key, BIC format)."""
    try:
        iban = IBAN(settings.PASSPLUS_DEBTOR_IBAN, validate_bban=True)
        bic = BIC(settings.PASSPLUS_DEBTOR_BIC)
    except ValueError as error:
        raise ImproperlyConfigured(f"Compte débiteur SEPA invalide : {error}") from error
    name = epc_text(settings.PASSPLUS_DEBTOR_NAME, NAME_MAX_LENGTH)
    if not name:
        raise ImproperlyConfigured("PASSPLUS_DEBTOR_NAME est vide.")
    return {
        "name": name,
        "IBAN": iban.compact,
        "BIC": bic.compact,
        "batch": True,
        "currency": "EUR",
    }


def _set_message_id(transfer: SepaTransfer, msg_id: str) -> None:
    """sepaxml writes its own random id in the group header; use ours, traceable to the run."""
    header = transfer._xml.find("CstmrCdtTrfInitn/GrpHdr/MsgId")
    if header is None or len(msg_id) > ID_MAX_LENGTH:
        raise SepaValidationError("Identifiant de message SEPA impossible à poser.")
    header.text = msg_id
    transfer.msg_id = msg_id


def _check_end_to_end_id(value: str) -> None:
    if not value or len(value) > ID_MAX_LENGTH:
        raise DomainError(
            f"La référence de virement « {value} » doit compter entre 1 et {ID_MAX_LENGTH} "
            f"caractères (elle en compte {len(value)})."
        )
    if epc_text(value, ID_MAX_LENGTH) != value or value.startswith("/") or "//" in value:
        raise DomainError(
            f"La référence de virement « {value} » contient des caractères refusés par le "
            "format SEPA."
        )
