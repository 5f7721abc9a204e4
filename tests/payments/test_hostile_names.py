"""Hostile names in what a payment produces (issue 30 §1): the remittance advice PDF shows
markup as typed, drops control characters, wraps or cuts 2,000-character names; the SEPA file
still validates with such names, reduced to the EPC character set and the field limits."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import pytest
from lxml import etree
from pyhanko.pdf_utils.reader import PdfFileReader

from passplus.payments.documents import remittance_advice_pdf
from passplus.payments.models import Payment
from passplus.payments.sepa import NAME_MAX_LENGTH, SCHEMAS, sepa_file, validate_sepa_xml
from tests.helpers.factories import PaymentFactory, PaymentRunFactory, RedemptionFactory
from tests.helpers.hostile import CONTROL, CONTROL_SHOWN, LONG, MARKUP, one_line
from tests.helpers.pdf import draws_missing_glyphs, pdf_pages_text, widest_line_points

pytestmark = pytest.mark.django_db

A4_WIDTH = 595
EPC_SET = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]+$")
HOLDER_MAX_LENGTH = Payment._meta.get_field("holder").max_length


def paid_payment(legal_name: str, holder: str) -> Payment:
    """A paid transfer of two tickets; the hostile names are set on the objects the document
    reads (the database would refuse a NUL or 2,000 characters in these columns)."""
    payment = PaymentFactory(paid=True, ticket_count=2)
    for _ in range(2):
        RedemptionFactory(organisation=payment.organisation, reimbursed=True, payment=payment)
    payment.organisation.legal_name = legal_name
    payment.holder = holder
    return payment


def test_markup_in_names_is_shown_as_typed_on_the_remittance_advice() -> None:
    pdf = remittance_advice_pdf(paid_payment(MARKUP, f"Titulaire {MARKUP}"))

    text = one_line("\n".join(pdf_pages_text(pdf)))
    assert one_line(MARKUP) in text
    assert f"Titulaire {one_line(MARKUP)}" in text


def test_control_characters_are_dropped_from_the_remittance_advice() -> None:
    pdf = remittance_advice_pdf(paid_payment(CONTROL, CONTROL))

    text = "\n".join(pdf_pages_text(pdf))
    assert not draws_missing_glyphs(pdf)
    assert CONTROL_SHOWN in text.splitlines()  # one line: the CRLF did not break it
    assert not re.search(r"[\x00-\x1f\u202e\u200b]", text.replace("\n", ""))


def test_a_2000_character_name_wraps_within_the_remittance_advice_page() -> None:
    pdf = remittance_advice_pdf(paid_payment(LONG, LONG))

    assert PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Count"] >= 1
    pages = pdf_pages_text(pdf)
    assert widest_line_points(pdf) < A4_WIDTH
    assert "Association Wagram" in pages[0]
    assert "Tickets payés" in "\n".join(pages)


@pytest.fixture(params=SCHEMAS)
def schema(request: Any, settings: Any) -> str:
    settings.PASSPLUS_SEPA_SCHEMA = request.param
    return str(request.param)


@pytest.mark.parametrize(
    "holder",
    [MARKUP, CONTROL.replace("\x00", ""), LONG],
    ids=["markup", "control", "long"],
)
def test_the_sepa_file_validates_with_hostile_holders(schema: str, holder: str) -> None:
    run = PaymentRunFactory(approved=True)
    # As stored: PostgreSQL refuses NUL in text and anything over the column's length.
    stored = holder[:HOLDER_MAX_LENGTH]
    PaymentFactory(run=run, holder=stored, end_to_end_id="PASSPLUS-20261116-00000001")

    xml = sepa_file(run).xml

    validate_sepa_xml(xml, schema)
    names = [
        element.findtext("{*}Nm")
        for element in etree.fromstring(xml).iter("{*}Cdtr", "{*}Dbtr", "{*}InitgPty")
    ]
    assert len(names) == 3 and all(names)
    assert all(EPC_SET.match(name or "") for name in names), names
    assert all(len(name or "") <= NAME_MAX_LENGTH for name in names)


def test_the_sepa_file_validates_with_a_hostile_debtor_name(schema: str, settings: Any) -> None:
    settings.PASSPLUS_DEBTOR_NAME = f"{CONTROL} {MARKUP} {LONG}"
    run = PaymentRunFactory(approved=True)
    PaymentFactory(run=run, end_to_end_id="PASSPLUS-20261116-00000002")

    xml = sepa_file(run).xml

    validate_sepa_xml(xml, schema)
    debtor = etree.fromstring(xml).find(".//{*}Dbtr/{*}Nm")
    assert debtor is not None and debtor.text is not None
    assert EPC_SET.match(debtor.text) and len(debtor.text) <= NAME_MAX_LENGTH
    assert debtor.text.startswith("Club Nul 31m Echap esreveR Ligne deux")
