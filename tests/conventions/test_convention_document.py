"""The signed convention PDF (passplus.conventions.documents): what it shows, what it hides,
its certificate page, its reproducible content fingerprint and its seal."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from passplus.conventions.documents import render_convention_pdf, sign_document, signature_id
from passplus.conventions.models import Convention
from passplus.organisations.models import BankAccount
from passplus.signatures import sealing
from passplus.signatures.models import SignatureRequest
from tests.helpers.factories import (
    BankAccountFactory,
    ConventionFactory,
    ConventionVersionFactory,
    OrganisationFactory,
    SignatureRequestFactory,
)
from tests.helpers.pdf import pdf_pages_text

pytestmark = pytest.mark.django_db

IBAN = "FR7630006000011234567890189"
UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def _seal_in_tmp(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.PASSPLUS_SEAL_DEV_DIR = tmp_path / "seal"
    sealing.clear_signer_cache()
    yield
    sealing.clear_signer_cache()


def make_signed_request(**organisation: Any) -> tuple[Convention, SignatureRequest, BankAccount]:
    org = OrganisationFactory(
        signing=True,
        legal_name="Club Nautique & Voile <Sud>",
        acronym="CNVS",
        siret="73282932000074",
        rna="W921234567",
        street="3 quai de Seine",
        postcode="92000",
        city="Nanterre",
        representative_name="Claire Martin",
        representative_role="Présidente",
        representative_email="claire.martin@example.fr",
        **organisation,
    )
    version = ConventionVersionFactory(
        label="2026-T",
        title="Convention de partenariat Pass+",
        body="Article 1 : objet <b>non gras</b> & suite.\n\nArticle 2 : durée.\nUn an.",
        published_on=dt.date(2026, 6, 1),
    )
    convention = ConventionFactory(
        organisation=org,
        version=version,
        rules_accepted_at=dt.datetime(2026, 6, 1, 22, 30, tzinfo=UTC),
        terms_accepted_at=dt.datetime(2026, 6, 1, 22, 31, tzinfo=UTC),
    )
    signature = SignatureRequestFactory(convention=convention, signer_name="Claire Martin")
    signature.issue_code()
    SignatureRequest.objects.filter(pk=signature.pk).update(
        signed_at=dt.datetime(2026, 6, 2, 8, 15, tzinfo=UTC),
        signed_ip="203.0.113.7",
        signed_user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
    )
    signature.refresh_from_db()
    bank_account = BankAccountFactory(organisation=org, holder="CLUB NAUTIQUE", iban=IBAN)
    return convention, signature, bank_account


def test_convention_pages_show_the_parties_and_the_body() -> None:
    convention, signature, bank_account = make_signed_request()

    pages = pdf_pages_text(render_convention_pdf(convention, signature, bank_account).pdf)
    convention_text = "\n".join(pages[:-1])

    for expected in [
        "Convention de partenariat Pass+",
        "Version 2026-T — en vigueur à compter du 01/06/2026",
        "Le Département des Hauts-de-Seine",
        "Annexe — Règlement du dispositif",
        "Club Nautique & Voile <Sud> (CNVS)",
        "Association loi 1901",
        "SIRET : 732 829 320 00074",
        "Numéro RNA : W921234567",
        "Adresse : 3 quai de Seine, 92000 Nanterre",
        "représenté(e) par Claire Martin, Présidente,",
        # Markup characters of the body are text, not reportlab tags.
        "Article 1 : objet <b>non gras</b> & suite.",
        "Article 2 : durée.",
    ]:
        assert expected in convention_text, expected


def test_bank_details_are_masked_never_the_full_iban() -> None:
    convention, signature, bank_account = make_signed_request()

    pdf = render_convention_pdf(convention, signature, bank_account).pdf
    text = "\n".join(pdf_pages_text(pdf))

    assert "Coordonnées bancaires" in text
    assert "CLUB NAUTIQUE" in text
    assert bank_account.masked_iban in text
    assert "AGRIFRPPXXX" in text
    assert IBAN not in text
    assert IBAN[4:] not in text.replace(" ", "")
    assert IBAN.encode() not in pdf


def test_without_bank_account_the_convention_says_so() -> None:
    convention, signature, _ = make_signed_request()

    text = "\n".join(pdf_pages_text(render_convention_pdf(convention, signature, None).pdf))

    assert "Aucune coordonnée bancaire n'est jointe à cette convention." in text


def test_acceptance_dates_are_in_paris_time() -> None:
    convention, signature, bank_account = make_signed_request()

    text = "\n".join(pdf_pages_text(render_convention_pdf(convention, signature, bank_account).pdf))

    # 22:30 UTC on 1 June is 00:30 on 2 June in Paris (summer time).
    assert "Règlement du dispositif accepté le\n02/06/2026 00:30" in text
    assert "Conditions générales acceptées le\n02/06/2026 00:31" in text


def test_last_page_is_the_signature_certificate() -> None:
    convention, signature, bank_account = make_signed_request()

    rendered = render_convention_pdf(convention, signature, bank_account)
    certificate = pdf_pages_text(rendered.pdf)[-1]

    assert "Certificat de signature" in certificate.splitlines()
    for expected in [
        f"PASS-{signature.pk}-{rendered.content_sha256[:12]}",
        "Signataire\nClaire Martin",
        "claire.martin@example.fr",
        "+33 6 •• •• •• 78",
        "Code vérifié le\n02/06/2026 10:15",
        "203.0.113.7",
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
        "version 2026-T",
        rendered.content_sha256,
    ]:
        assert expected in certificate, expected
    code_sent_at = signature.code_sent_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    assert f"Code envoyé le\n{code_sent_at}" in certificate
    assert "+33612345678" not in certificate


def test_content_sha256_is_reproducible_and_depends_on_the_content() -> None:
    convention, signature, bank_account = make_signed_request()

    first = render_convention_pdf(convention, signature, bank_account)
    again = render_convention_pdf(convention, signature, bank_account)
    assert first.content_sha256 == again.content_sha256
    assert len(first.content_sha256) == 64

    convention.organisation.legal_name = "Club Nautique & Voile <Nord>"
    changed = render_convention_pdf(convention, signature, bank_account)
    assert changed.content_sha256 != first.content_sha256


def test_content_sha256_ignores_the_signature_evidence() -> None:
    """The fingerprint covers the convention pages only, not the certificate page."""
    convention, signature, bank_account = make_signed_request()
    first = render_convention_pdf(convention, signature, bank_account)

    signature.signed_ip = "198.51.100.1"
    second = render_convention_pdf(convention, signature, bank_account)

    assert second.content_sha256 == first.content_sha256
    assert hashlib.sha256(second.pdf).hexdigest() != second.content_sha256
    assert "198.51.100.1" in pdf_pages_text(second.pdf)[-1]


def test_signature_id_combines_request_and_fingerprint() -> None:
    _, signature, _ = make_signed_request()

    assert signature_id(signature, "ab" * 32) == f"PASS-{signature.pk}-abababababab"


def test_sign_document_returns_a_sealed_pdf_that_validates() -> None:
    convention, signature, bank_account = make_signed_request()

    document = sign_document(convention, signature, bank_account)

    assert document.sealed_sha256 == hashlib.sha256(document.pdf).hexdigest()
    assert document.content_sha256 in pdf_pages_text(document.pdf)[-1]
    reader = PdfFileReader(BytesIO(document.pdf))
    (embedded,) = reader.embedded_signatures
    status = validate_pdf_signature(
        embedded, ValidationContext(trust_roots=[sealing.seal_trust_root()])
    )
    assert status.intact and status.valid and status.trusted
    assert embedded.sig_object["/Reason"] == "Convention Pass+ signée électroniquement"
