"""Workflows of the affiliation that span apps: registering an identification form, inviting
the organisation's contact, re-inviting. Each runs in one transaction with its e-mail enqueued
inside it (nothing is sent for a change that did not happen)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import Invitation, InvitationPurpose, User
from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.notifications.tasks import email_later
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import IdentificationForm, Organisation

# The organisation's fields an identification form sets: the correspondent's form shows exactly
# these (passplus.www.correspondent.forms) and organisation_register copies them.
ORGANISATION_FIELDS = (
    "legal_name",
    "acronym",
    "legal_form",
    "siret",
    "rna",
    "creation_date",
    "commune",
    "offers_sport",
    "offers_culture",
    "description",
)


def duplicate_of(*, siret: str = "", rna: str = "") -> Organisation | None:
    """The organisation already registered with this SIRET or RNA, if any."""
    if siret:
        found = Organisation.objects.filter(siret=siret).select_related("commune").first()
        if found:
            return found
    if rna:
        return Organisation.objects.filter(rna=rna).select_related("commune").first()
    return None


def duplicate_message(organisation: Organisation) -> str:
    return (
        f"Cet organisme est déjà enregistré : « {organisation.legal_name} » "
        f"({organisation.commune.name}, {organisation.get_status_display().lower()})."
    )


def organisation_register(*, data: dict[str, Any], registered_by: User) -> Organisation:
    """Create the organisation (`identified`), its identification form and its invitation.

    `data` holds the cleaned fields of the identification form. A SIRET or RNA already
    registered raises DomainError naming the existing organisation (the database's unique
    constraints settle a race between two correspondents).
    """
    existing = duplicate_of(siret=data.get("siret", ""), rna=data.get("rna", ""))
    if existing:
        raise DomainError(duplicate_message(existing))
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(
                status=OrganisationStatus.IDENTIFIED,
                public_name=data.get("acronym") or data["legal_name"],
                is_non_profit=data["legal_form"] != "company",
                **{name: data[name] for name in ORGANISATION_FIELDS if name in data},
            )
            form = IdentificationForm.objects.create(
                organisation=organisation,
                registered_by=registered_by,
                contact_name=data["contact_name"],
                contact_email=data["contact_email"].lower(),
                contact_phone=data.get("contact_phone", ""),
            )
            record(
                actor=registered_by,
                action="organisation.register",
                obj=organisation,
                after={"status": organisation.status, "commune": organisation.commune.insee_code},
            )
            invitation_send(form=form, actor=registered_by)
    except IntegrityError as error:
        existing = duplicate_of(siret=data.get("siret", ""), rna=data.get("rna", ""))
        if existing:
            raise DomainError(duplicate_message(existing)) from error
        raise
    return organisation


def invitation_send(*, form: IdentificationForm, actor: User | None) -> Invitation:
    """(Re)invite the contact of an identification form: earlier links stop working."""
    organisation = form.organisation
    if organisation.status != OrganisationStatus.IDENTIFIED:
        raise DomainError("Cet organisme a déjà créé son compte : il n'a plus besoin d'invitation.")
    with transaction.atomic():
        Invitation.objects.usable().filter(
            organisation=organisation, purpose=InvitationPurpose.AFFILIATION
        ).update(revoked_at=timezone.now())
        invitation, token = Invitation.issue(
            purpose=InvitationPurpose.AFFILIATION,
            email=form.contact_email,
            organisation=organisation,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        form.invitation = invitation
        form.save(update_fields=["invitation"])
        record(
            actor=actor,
            action="invitation.send",
            obj=organisation,
            after={"invitation": invitation.pk, "email": invitation.email},
        )
        _email_invitation(form=form, invitation=invitation, token=token)
    return invitation


def invitation_revoke(*, form: IdentificationForm, actor: User) -> None:
    with transaction.atomic():
        revoked = (
            Invitation.objects.usable()
            .filter(organisation=form.organisation, purpose=InvitationPurpose.AFFILIATION)
            .update(revoked_at=timezone.now())
        )
        if not revoked:
            raise DomainError("Aucune invitation en cours à révoquer.")
        record(actor=actor, action="invitation.revoke", obj=form.organisation)


def invitation_renew_expired(*, invitation: Invitation) -> Invitation:
    """From an expired link, send a fresh one to the address on record (never another)."""
    if invitation.purpose != InvitationPurpose.AFFILIATION or invitation.organisation is None:
        raise DomainError("Ce lien ne peut pas être renouvelé.")
    if invitation.used_at or invitation.revoked_at or invitation.expires_at > timezone.now():
        raise DomainError("Ce lien ne peut pas être renouvelé : il n'a pas expiré.")
    form = IdentificationForm.objects.select_related("organisation").get(
        organisation=invitation.organisation
    )
    if form.invitation_id != invitation.pk:
        raise DomainError("Un lien plus récent a déjà été envoyé : utilisez-le.")
    return invitation_send(form=form, actor=None)


def _email_invitation(*, form: IdentificationForm, invitation: Invitation, token: str) -> None:
    context = {
        "scheme_name": settings.PASSPLUS_SCHEME_NAME,
        "organisation": form.organisation,
        "contact_name": form.contact_name,
        "link": settings.SITE_URL + reverse("partner:invitation", args=[token]),
        "expires_at": invitation.expires_at,
        "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
    }
    email_later(
        to=[invitation.email],
        subject=f"{settings.PASSPLUS_SCHEME_NAME} : signez la convention de votre organisme",
        body=render_to_string("organisations/emails/invitation.txt", context),
        html_body=render_to_string("organisations/emails/invitation.html", context),
        about=f"invitation:{invitation.pk}",
    )
