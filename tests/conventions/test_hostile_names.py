"""Hostile names in the signed convention (issue 30 §1): markup shown as typed, control
characters dropped, 2,000-character names wrapped (the footer cut with an ellipsis), and the
sealed document's signature still valid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from passplus.conventions.documents import sign_document
from passplus.signatures import sealing
from passplus.signatures.models import SignatureRequest
from tests.helpers.factories import (
    BankAccountFactory,
    ConventionFactory,
    OrganisationFactory,
    SignatureRequestFactory,
)
from tests.helpers.hostile import CONTROL, CONTROL_SHOWN, LONG, MARKUP, one_line
from tests.helpers.pdf import draws_missing_glyphs, pdf_pages_text, widest_line_points

pytestmark = pytest.mark.django_db

A4_WIDTH = 595
FRAME_WIDTH = A4_WIDTH - 2 * 22 * 72 / 25.4  # the page less its 22 mm margins
# The organisation's names and the people's, as the convention and its certificate show them.
NAMED_FIELDS = ("legal_name", "public_name", "representative_name", "representative_role")


@pytest.fixture(autouse=True)
def _seal_in_tmp(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.PASSPLUS_SEAL_DEV_DIR = tmp_path / "seal"
    sealing.clear_signer_cache()
    yield
    sealing.clear_signer_cache()


def sealed_with(name: str) -> bytes:
    """The sealed convention of an organisation whose every name, address part, bank holder
    and signer is `name` (set on the objects the document reads: the database would refuse a
    NUL or 2,000 characters in these columns)."""
    organisation = OrganisationFactory(signing=True, acronym="ACR", postcode="92000")
    convention = ConventionFactory(
        organisation=organisation,
        rules_accepted_at=dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC),
        terms_accepted_at=dt.datetime(2026, 6, 1, 8, 1, tzinfo=dt.UTC),
    )
    signature = SignatureRequestFactory(convention=convention)
    signature.issue_code()
    bank_account = BankAccountFactory(organisation=organisation)
    for field in NAMED_FIELDS:
        setattr(organisation, field, name)
    organisation.street = organisation.city = name
    organisation.commune.name = name
    bank_account.holder = name
    signature.signer_name = name
    signature.signed_user_agent = name
    return sign_document(convention, signature, bank_account).pdf


def assert_seal_is_valid(pdf: bytes) -> None:
    (embedded,) = PdfFileReader(BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(
        embedded, ValidationContext(trust_roots=[sealing.seal_trust_root()])
    )
    assert status.intact and status.valid and status.trusted


def test_markup_in_names_is_shown_as_typed_and_the_seal_holds() -> None:
    pdf = sealed_with(MARKUP)

    text = one_line("\n".join(pdf_pages_text(pdf)))
    assert f"{one_line(MARKUP)} (ACR)" in text
    assert f"représenté(e) par {one_line(MARKUP)}, {one_line(MARKUP)}," in text
    assert f"Titulaire du compte {one_line(MARKUP)}" in text
    assert f"Signataire {one_line(MARKUP)}" in text
    assert_seal_is_valid(pdf)


def test_control_characters_are_dropped_and_the_seal_holds() -> None:
    pdf = sealed_with(CONTROL)

    pages = pdf_pages_text(pdf)
    assert not draws_missing_glyphs(pdf)
    assert f"{CONTROL_SHOWN} (ACR)" in pages[0]
    assert f"Signataire\n{CONTROL_SHOWN}" in pages[-1]
    assert_seal_is_valid(pdf)


def test_a_2000_character_name_wraps_the_footer_is_cut_and_the_seal_holds() -> None:
    pdf = sealed_with(LONG)

    pages = pdf_pages_text(pdf)
    assert widest_line_points(pdf) < A4_WIDTH
    footers = [line for page in pages for line in page.splitlines() if line.endswith("…")]
    assert len(footers) == len(pages)  # each page's footer: the title cut with an ellipsis
    assert "Certificat de signature" in "\n".join(pages)
    assert_seal_is_valid(pdf)


def test_the_footer_of_the_widest_name_stays_within_the_margins() -> None:
    # 200 capital W (the column's length): cut by its width, not by a count of characters.
    pdf = sealed_with("W" * 200)

    (footer,) = [
        line
        for line in pdf_pages_text(pdf)[0].splitlines()
        if line.startswith("Convention de partenariat Pass+ — W")
    ]
    assert footer.endswith("W…")
    assert widest_line_points(pdf) <= FRAME_WIDTH


def test_the_document_title_is_one_bounded_line() -> None:
    pdf = sealed_with(CONTROL + LONG)

    title = str(PdfFileReader(BytesIO(pdf)).trailer["/Info"]["/Title"])
    assert "\n" not in title and "\x00" not in title and "\u202e" not in title
    assert len(title) <= 200


def test_a_signature_request_is_untouched_by_the_rendering() -> None:
    # The evidence record keeps what was typed: only the drawing is cleaned.
    organisation = OrganisationFactory(signing=True)
    signature = SignatureRequestFactory(
        convention=ConventionFactory(organisation=organisation), signer_name="Zoé <b>"
    )
    signature.issue_code()
    sign_document(signature.convention, signature, None)
    assert SignatureRequest.objects.get(pk=signature.pk).signer_name == "Zoé <b>"
