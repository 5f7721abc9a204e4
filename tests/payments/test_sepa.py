"""SEPA credit-transfer file of a payment run (issue 5, docs/design.md §7)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from lxml import etree

from passplus.core.errors import DomainError
from passplus.payments.models import PaymentRun
from passplus.payments.sepa import (
    SCHEMAS,
    SepaValidationError,
    epc_text,
    requested_execution_date,
    sepa_file,
    validate_sepa_xml,
)
from tests.helpers.factories import OrganisationFactory, PaymentFactory, PaymentRunFactory

EPC_SET = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]*$")
NASTY_NAME = "Association Sportive d'Issy & Co — Œuvres «jeunes»"
HOLDERS = [NASTY_NAME, "Club d’Échecs de Sèvres", "Théâtre <Ça> Ira! #2"]
CUT_OFF = timezone.make_aware(dt.datetime(2026, 11, 16))
FRIDAY = dt.date(2026, 11, 20)


def tag(name: str) -> str:
    return f"{{*}}{name}"


def texts(root: Any, name: str) -> list[str]:
    return [element.text for element in root.iter(tag(name))]


def approved_run(**traits: bool) -> PaymentRun:
    run = PaymentRunFactory(cut_off=CUT_OFF, **(traits or {"approved": True}))
    for index, (holder, cents) in enumerate(zip(HOLDERS, [4000, 1250, 99], strict=True)):
        organisation = OrganisationFactory(legal_name=holder)
        PaymentFactory(
            run=run,
            organisation=organisation,
            holder=holder,
            amount_cents=cents,
            ticket_count=index + 1,
            end_to_end_id=f"PASSPLUS-20261116-{organisation.pk:08d}",
        )
    return run


@pytest.fixture(params=SCHEMAS)
def schema(request: Any, settings: Any) -> str:
    settings.PASSPLUS_SEPA_SCHEMA = request.param
    return str(request.param)


@pytest.mark.django_db
class TestSepaFile:
    def test_valid_file_with_one_transaction_per_payment(self, schema: str) -> None:
        run = approved_run()
        result = sepa_file(run, today=FRIDAY)
        root = etree.fromstring(result.xml)

        assert root.tag == f"{{urn:iso:std:iso:20022:tech:xsd:{schema}}}Document"
        validate_sepa_xml(result.xml, schema)  # Also done inside sepa_file.
        assert len(list(root.iter(tag("CdtTrfTxInf")))) == 3
        header = root.find(f"{tag('CstmrCdtTrfInitn')}/{tag('GrpHdr')}")
        assert header is not None
        assert header.findtext(tag("NbOfTxs")) == "3"
        assert Decimal(header.findtext(tag("CtrlSum")) or "") == Decimal("53.49")
        assert sorted(Decimal(amount) for amount in texts(root, "InstdAmt")) == [
            Decimal("0.99"),
            Decimal("12.50"),
            Decimal("40.00"),
        ]
        message_id = header.findtext(tag("MsgId")) or ""
        assert message_id.startswith("PASSPLUS-20261116-") and len(message_id) <= 35

        end_to_end_ids = texts(root, "EndToEndId")
        assert sorted(end_to_end_ids) == sorted(
            run.payments.values_list("end_to_end_id", flat=True)
        )
        assert all(0 < len(value) <= 35 for value in end_to_end_ids)

        assert sorted(texts(root, "Ustrd")) == [
            "PASS+ 2026-11-16 1 ticket",
            "PASS+ 2026-11-16 2 tickets",
            "PASS+ 2026-11-16 3 tickets",
        ]

        creditor_names = [
            name for creditor in root.iter(tag("Cdtr")) for name in [creditor.findtext(tag("Nm"))]
        ]
        assert sorted(creditor_names) == sorted(
            [
                "Association Sportive d'Issy Co OEuvres jeunes",
                "Club d'Echecs de Sevres",
                "Theatre Ca Ira 2",
            ]
        )
        for value in [*creditor_names, *texts(root, "Ustrd"), *texts(root, "Nm")]:
            assert EPC_SET.match(value or ""), value

        # Monday after Friday 20 November 2026.
        expected_date = "2026-11-23"
        assert expected_date in result.xml.decode()
        assert result.sha256 == hashlib.sha256(result.xml).hexdigest()
        assert result.filename.startswith("passplus-virements-2026-11-16-")
        assert result.filename.endswith(".xml")

    def test_iban_and_bic_come_from_the_payment_snapshot(self, settings: Any) -> None:
        run = approved_run()
        payment = run.payments.first()
        assert payment is not None
        payment.iban = "FR7630001007941234567890185"
        payment.bic = "BDFEFRPPXXX"
        payment.save()
        xml = sepa_file(run, today=FRIDAY).xml.decode()
        assert "<IBAN>FR7630001007941234567890185</IBAN>" in xml
        assert "BDFEFRPPXXX" in xml

    def test_payment_without_bic_is_sent_on_its_iban_alone(self, schema: str) -> None:
        run = approved_run()
        run.payments.update(bic="")
        root = etree.fromstring(sepa_file(run, today=FRIDAY).xml)
        assert list(root.iter(tag("CdtrAgt"))) == []
        assert len(list(root.iter(tag("CdtTrfTxInf")))) == 3

    @pytest.mark.parametrize("traits", [{"sent": True}, {"closed": True}])
    def test_sent_and_closed_runs_still_give_their_file(self, traits: dict[str, bool]) -> None:
        assert sepa_file(approved_run(**traits), today=FRIDAY).xml

    def test_draft_run_is_refused(self) -> None:
        run = approved_run(approved=False)
        with pytest.raises(DomainError, match="approuvée"):
            sepa_file(run, today=FRIDAY)

    def test_end_to_end_id_over_35_characters_is_refused(self) -> None:
        run = approved_run()
        # The model field allows 35: bypass it as a migration or a bad import could.
        payment = run.payments.first()
        assert payment is not None
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(
                PaymentRun, "payments", property(lambda _run: _FakePayments([payment], "X" * 36))
            )
            with pytest.raises(DomainError, match="entre 1 et 35"):
                sepa_file(run, today=FRIDAY)

    def test_end_to_end_id_outside_the_epc_set_is_refused(self) -> None:
        run = approved_run()
        payment = run.payments.first()
        assert payment is not None
        payment.end_to_end_id = "PASSPLUS#1"
        payment.save()
        with pytest.raises(DomainError, match="caractères refusés"):
            sepa_file(run, today=FRIDAY)


class _FakePayments:
    """Stands for `run.payments`, giving a payment whose id is longer than the column."""

    def __init__(self, payments: list[Any], end_to_end_id: str) -> None:
        for payment in payments:
            payment.end_to_end_id = end_to_end_id
        self.payments = payments

    def order_by(self, *_fields: str) -> list[Any]:
        return self.payments


def test_validator_rejects_a_broken_file() -> None:
    broken = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
        b"<CstmrCdtTrfInitn><GrpHdr><MsgId>" + b"X" * 36 + b"</MsgId></GrpHdr>"
        b"</CstmrCdtTrfInitn></Document>"
    )
    with pytest.raises(SepaValidationError, match=r"pain\.001\.001\.03 : ligne 1"):
        validate_sepa_xml(broken, "pain.001.001.03")


def test_validator_rejects_unreadable_xml() -> None:
    with pytest.raises(SepaValidationError, match="illisible"):
        validate_sepa_xml(b"<Document>", "pain.001.001.09")


@pytest.mark.parametrize(
    ("value", "max_length", "expected"),
    [
        ("Élan Sportif", 70, "Elan Sportif"),
        (NASTY_NAME, 140, "Association Sportive d'Issy Co OEuvres jeunes"),
        ("Club d’échecs", 70, "Club d'echecs"),
        ("A&B  —  C", 70, "A B C"),
        ("Ça/va? (oui): 1,5 + 2.0 - 3", 70, "Ca/va? (oui): 1,5 + 2.0 - 3"),
        ("Straße", 70, "Strasse"),
        ("abc def", 5, "abc d"),
        ("abcd efgh", 5, "abcd"),  # No trailing space after truncation.
        ("€ @ # _ *", 70, ""),
        ("", 70, ""),
    ],
)
def test_epc_text(value: str, max_length: int, expected: str) -> None:
    result = epc_text(value, max_length)
    assert result == expected
    assert EPC_SET.match(result)
    assert len(result) <= max_length


@pytest.mark.parametrize(
    ("today", "days", "expected"),
    [
        (dt.date(2026, 11, 19), 1, dt.date(2026, 11, 20)),  # Thursday -> Friday
        (dt.date(2026, 11, 20), 1, dt.date(2026, 11, 23)),  # Friday -> Monday
        (dt.date(2026, 11, 21), 1, dt.date(2026, 11, 23)),  # Saturday -> Monday
        (dt.date(2026, 11, 22), 1, dt.date(2026, 11, 23)),  # Sunday -> Monday
        (dt.date(2026, 11, 20), 2, dt.date(2026, 11, 24)),  # Friday -> Tuesday
        (dt.date(2026, 11, 21), 0, dt.date(2026, 11, 23)),  # Saturday, none asked -> Monday
        (dt.date(2026, 11, 18), 0, dt.date(2026, 11, 18)),
    ],
)
def test_execution_date_skips_the_weekend(today: dt.date, days: int, expected: dt.date) -> None:
    assert requested_execution_date(today=today, days=days) == expected


def test_execution_date_defaults_to_the_setting(settings: Any) -> None:
    settings.PASSPLUS_SEPA_EXECUTION_DAYS = 3
    assert requested_execution_date(today=dt.date(2026, 11, 20)) == dt.date(2026, 11, 25)
