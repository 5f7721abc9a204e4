"""The affiliation part of the demo: the convention text, RIB documents, sealed conventions,
and a fresh invitation link for an organisation still to sign."""

from __future__ import annotations

import datetime as dt
import secrets
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from passplus.accounts.models import Invitation, InvitationPurpose, User, hash_token
from passplus.conventions.models import Convention, ConventionVersion
from passplus.conventions.services import convention_store_signed_document
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import BankAccount, IdentificationForm, Organisation
from passplus.signatures.models import (
    OneTimeCode,
    SignaturePurpose,
    SignatureRequest,
    SignatureStatus,
)

TEXTS = Path(__file__).resolve().parents[1] / "conventions" / "data"


def demo_convention_version() -> ConventionVersion:
    return ConventionVersion.objects.create(
        label="2026-1",
        title="Convention de partenariat Pass+",
        body=(TEXTS / "terms-2026-1.txt").read_text(encoding="utf-8"),
        rules=(TEXTS / "rules-2026-1.txt").read_text(encoding="utf-8"),
        published_on=dt.date(2026, 6, 1),
        is_current=True,
    )


def declare_eligibility(organisation: Organisation) -> None:
    now = timezone.now()
    organisation.secularism_declared_at = now
    organisation.equal_access_declared_at = now
    organisation.save(update_fields=["secularism_declared_at", "equal_access_declared_at"])


def demo_rib_pdf(account: BankAccount) -> bytes:
    """A one-page "RIB" the back office can open when it checks the bank details."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle("Relevé d'identité bancaire (démonstration)")
    lines = [
        "Relevé d'identité bancaire — document de démonstration",
        f"Titulaire : {account.holder}",
        f"IBAN : {account.iban}",
        f"BIC : {account.bic}",
    ]
    for number, line in enumerate(lines):
        canvas.drawString(72, 760 - 24 * number, line)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def seal_demo_convention(convention: Convention, member: User, account: BankAccount) -> None:
    """Give a demo convention the evidence and the sealed PDF a real signature leaves."""
    organisation = convention.organisation
    signature = SignatureRequest.objects.create(
        purpose=SignaturePurpose.CONVENTION,
        organisation=organisation,
        convention=convention,
        status=SignatureStatus.SIGNED,
        signer_name=organisation.representative_name,
        phone=organisation.representative_mobile,
        requested_by=member,
        signed_at=convention.signed_at,
        signed_ip="127.0.0.1",
        signed_user_agent="Données de démonstration",
    )
    signed_at = convention.signed_at or timezone.now()
    code = OneTimeCode.objects.create(
        request=signature,
        code_hash=hash_token(secrets.token_hex(8)),
        expires_at=signed_at + OneTimeCode.VALIDITY,
        used_at=signed_at,
    )
    OneTimeCode.objects.filter(pk=code.pk).update(created_at=signed_at - dt.timedelta(minutes=1))
    convention_store_signed_document(
        convention=convention, signature=signature, bank_account=account
    )


def fresh_invitation_link() -> tuple[str, str] | None:
    """A new invitation link for the first demo organisation still `identified`, so a newcomer
    can follow the affiliation from the start (earlier demo links stop working)."""
    form = (
        IdentificationForm.objects.filter(
            organisation__status=OrganisationStatus.IDENTIFIED,
            contact_email__endswith=".example.org",  # the demo organisations (RFC 2606)
        )
        .select_related("organisation")
        .order_by("organisation_id")
        .first()
    )
    if form is None:
        return None
    Invitation.objects.usable().filter(organisation=form.organisation).update(
        revoked_at=timezone.now()
    )
    invitation, token = Invitation.issue(
        purpose=InvitationPurpose.AFFILIATION,
        email=form.contact_email,
        organisation=form.organisation,
    )
    form.invitation = invitation
    form.save(update_fields=["invitation"])
    link = settings.SITE_URL + reverse("partner:invitation", args=[token])
    return link, form.organisation.legal_name
