"""Claiming the accounts of imported organisations (docs/switch-over.md, « Campagne de
réclamation des accès »).

An organisation created by the switch-over import is `affiliated` but has no user: nobody can
enter its tickets until its contact (from the file) follows a single-use link (an Invitation
of purpose CLAIM, valid 30 days), chooses a password and lands in the partner space, with
nothing to sign. Each send issues a new link and revokes the previous unused one: only the
latest e-mail works (tokens are stored hashed, so a reminder cannot repeat an earlier link).

- `claim_invitation_send`: the first invitation (called by the import) and each resend from
  the back office;
- `claim_invitations_send_new`: the first invitations of the organisations an import just
  created, in bulk (same e-mails, in the import's transaction);
- `claim_invitations_resend_all`: « Renvoyer à tous », through a task (thousands of
  organisations do not fit in one request);
- `claim_reminders_send_due`: the scheduler's job, every PASSPLUS_CLAIM_REMINDER_DAYS, at most
  MAX_REMINDERS reminders per organisation;
- `organisation_claim`: the claim itself, from the link.

Every send and the claim lock the ImportedOrganisation row and check again under the lock: two
schedulers, two clicks or two workers at once send once and create one account.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from passplus.accounts.invitations import organisation_account_create
from passplus.accounts.models import Invitation, InvitationPurpose, User, hash_token
from passplus.audit.models import record, record_each
from passplus.core.errors import DomainError
from passplus.core.tasks import retried_task
from passplus.notifications.tasks import email_later
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import ImportedOrganisation

CLAIM_SUBJECT = "Votre organisme est déjà partenaire : créez votre accès"
# Automatic reminders per organisation; the back office may still resend by hand afterwards.
MAX_REMINDERS = 3
# Organisations whose contact may still claim the account (not a terminated one).
CLAIMABLE = (OrganisationStatus.AFFILIATED, OrganisationStatus.SUSPENDED)

ALREADY_CLAIMED = (
    "L'accès de cet organisme a déjà été créé : connectez-vous, ou demandez à la personne qui "
    "l'a créé de vous inviter depuis l'espace affilié (Mon compte › Utilisateurs)."
)
NOT_CLAIMABLE = "Cet organisme est résilié : aucun accès ne peut plus être créé."
WRONG_PURPOSE = "Ce lien n'est pas une invitation à créer l'accès d'un organisme déjà partenaire."


def email_taken_message() -> str:
    return (
        "Un compte existe déjà avec cette adresse e-mail, et une adresse ne sert qu'à un seul "
        f"compte. Écrivez au département ({settings.PASSPLUS_CONTACT_EMAIL}) : il enverra "
        "l'invitation de votre organisme à une autre adresse."
    )


CLAIM_TOKEN_PLACEHOLDER = "jeton"  # noqa: S105 - the place of the token in the path


def claim_link(token: str) -> str:
    return settings.SITE_URL + _claim_path(get_script_prefix()).replace(
        CLAIM_TOKEN_PLACEHOLDER, token
    )


@cache
def _claim_path(script_prefix: str) -> str:
    """The page's path with a placeholder for the token, reversed once per prefix (thousands
    of links per import)."""
    return reverse("partner:claim", args=[CLAIM_TOKEN_PLACEHOLDER])


def unclaimed_organisations() -> QuerySet[ImportedOrganisation]:
    """Imported organisations without any account yet, not terminated: the follow-up list."""
    return ImportedOrganisation.objects.unclaimed().filter(organisation__status__in=CLAIMABLE)


def is_claimed(imported: ImportedOrganisation) -> bool:
    return imported.claimed_at is not None or imported.organisation.members.exists()


# Sending -------------------------------------------------------------------------------------


def claim_invitation_send(imported: ImportedOrganisation, *, actor: User | None) -> None:
    """E-mail the contact a new claim link (30 days); the previous unused one stops working.

    The import's first invitation and each resend from the back office. Refused, with a French
    message, once the organisation has an account or if it is terminated. Runs in its own
    transaction (or the caller's), the ImportedOrganisation row locked; the e-mail is queued in
    it, so nothing is sent for a change rolled back. `imported` is updated in place."""
    with transaction.atomic():
        locked = _locked(imported.pk)
        if is_claimed(locked):
            raise DomainError(ALREADY_CLAIMED)
        if locked.organisation.status not in CLAIMABLE:
            raise DomainError(NOT_CLAIMABLE)
        _issue(locked, actor=actor, reminder=False)
    for name in ("invitation", "invitation_id", "last_invited_at", "reminders_sent"):
        setattr(imported, name, getattr(locked, name))


def claim_invitations_send_new(
    imported: Sequence[ImportedOrganisation], *, actor: User | None
) -> None:
    """The claim invitations of organisations an import created (or whose contact it changed),
    in bulk: the same links and e-mails as `claim_invitation_send`, written with one INSERT per
    table (a file of 3,000 organisations); an earlier unused claim link of theirs stops
    working. Call it inside a transaction, the rows locked (or just created), checked by the
    caller to be still unclaimed."""
    if not imported:
        return
    now = timezone.now()
    Invitation.objects.usable().filter(
        organisation_id__in=[row.organisation_id for row in imported],
        purpose=InvitationPurpose.CLAIM,
    ).update(revoked_at=now)
    created_by = actor if getattr(actor, "is_authenticated", False) else None
    tokens = [secrets.token_urlsafe(32) for _ in imported]
    invitations = Invitation.objects.bulk_create(
        Invitation(
            purpose=InvitationPurpose.CLAIM,
            email=row.contact_email.lower(),
            organisation_id=row.organisation_id,
            created_by=created_by,
            token_hash=hash_token(token),
            expires_at=now + Invitation.VALIDITY,
        )
        for row, token in zip(imported, tokens, strict=True)
    )
    if any(invitation.pk is None for invitation in invitations):  # no RETURNING: read them back
        by_hash = Invitation.objects.in_bulk(
            [invitation.token_hash for invitation in invitations], field_name="token_hash"
        )
        invitations = [by_hash[invitation.token_hash] for invitation in invitations]
    for row, invitation in zip(imported, invitations, strict=True):
        row.invitation = invitation
        row.last_invited_at = now
    # Small batches: the CASE expression of a bulk update grows slow past a few hundred rows.
    ImportedOrganisation.objects.bulk_update(imported, ["invitation"], batch_size=200)
    ImportedOrganisation.objects.filter(pk__in=[row.pk for row in imported]).update(
        last_invited_at=now
    )
    record_each(
        actor=actor,
        action="organisation.claim_invite",
        changes=(
            (row.organisation, None, _audit_after(invitation, reminder=0))
            for row, invitation in zip(imported, invitations, strict=True)
        ),
    )
    for row, invitation, token in zip(imported, invitations, tokens, strict=True):
        _email(row, invitation, token, reminder=0)


@retried_task(queue_name="emails")
def claim_invitations_resend(*, requested_at: str, actor_id: int | None) -> int:
    """« Renvoyer à tous »: a new link to every unclaimed organisation not invited since the
    request, one transaction each. Idempotent, hence retried: run again (a retry, a worker
    killed half-way and recovered), it skips those already invited since `requested_at`."""
    since = dt.datetime.fromisoformat(requested_at)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    pending = (
        unclaimed_organisations()
        .filter(Q(last_invited_at__isnull=True) | Q(last_invited_at__lt=since))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in list(pending):
        with transaction.atomic():
            locked = _locked(pk)
            if (
                is_claimed(locked)
                or locked.organisation.status not in CLAIMABLE
                or (locked.last_invited_at is not None and locked.last_invited_at >= since)
            ):
                continue
            _issue(locked, actor=actor, reminder=False)
            sent += 1
    return sent


def claim_invitations_resend_all(*, actor: User) -> int:
    """Queue « Renvoyer à tous » (audited): how many organisations it will write to."""
    count = unclaimed_organisations().count()
    if not count:
        raise DomainError("Aucun organisme repris n'attend la création de son accès.")
    with transaction.atomic():
        requested_at = timezone.now()
        claim_invitations_resend.enqueue(requested_at=requested_at.isoformat(), actor_id=actor.pk)
        record(
            actor=actor,
            action="organisation.claim_invite_all",
            obj=actor,
            after={"organisations": count, "requested_at": requested_at.isoformat()},
        )
    return count


@dataclass(frozen=True)
class ReminderReport:
    sent: int
    capped: int  # unclaimed organisations that had all their reminders

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "capped": self.capped}


def claim_reminders_send_due(*, now: dt.datetime) -> ReminderReport:
    """The scheduler's job: remind each unclaimed, affiliated organisation whose last
    invitation is PASSPLUS_CLAIM_REMINDER_DAYS old, at most MAX_REMINDERS times (each
    reminder a new link). Computed from the rows, checked again under each row's lock: run
    late, twice or by two schedulers at once, each reminder leaves once. 0 days: no reminder."""
    days = settings.PASSPLUS_CLAIM_REMINDER_DAYS
    unclaimed = unclaimed_organisations().filter(organisation__status=OrganisationStatus.AFFILIATED)
    capped = unclaimed.filter(reminders_sent__gte=MAX_REMINDERS).count()
    if days <= 0:
        return ReminderReport(sent=0, capped=capped)
    before = now - dt.timedelta(days=days)
    due = (
        unclaimed.filter(reminders_sent__lt=MAX_REMINDERS)
        .filter(Q(last_invited_at__isnull=True) | Q(last_invited_at__lte=before))
        .order_by("pk")
        .values_list("pk", "reminders_sent")
    )
    sent = 0
    for pk, seen in list(due):
        with transaction.atomic():
            locked = _locked(pk)
            # Still due under the lock, and nobody reminded it since it was listed (the count
            # moved: another scheduler sent this reminder, whatever the clocks say).
            still_due = (
                not is_claimed(locked)
                and locked.organisation.status == OrganisationStatus.AFFILIATED
                and locked.reminders_sent == seen < MAX_REMINDERS
                and (locked.last_invited_at is None or locked.last_invited_at <= before)
            )
            if still_due:
                _issue(locked, actor=None, reminder=True)
                sent += 1
    return ReminderReport(sent=sent, capped=capped)


def _locked(pk: int) -> ImportedOrganisation:
    """The row, locked until the end of the transaction (PostgreSQL; SQLite runs one writing
    transaction at a time)."""
    return (
        ImportedOrganisation.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=pk)
    )


def _issue(locked: ImportedOrganisation, *, actor: User | None, reminder: bool) -> Invitation:
    """Revoke the unused claim link, issue a new one, record it on the row, audit, queue the
    e-mail. Inside the caller's transaction, the row locked."""
    organisation = locked.organisation
    Invitation.objects.usable().filter(
        organisation=organisation, purpose=InvitationPurpose.CLAIM
    ).update(revoked_at=timezone.now())
    invitation, token = Invitation.issue(
        purpose=InvitationPurpose.CLAIM,
        email=locked.contact_email,
        organisation=organisation,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    locked.invitation = invitation
    locked.last_invited_at = invitation.created_at
    fields = ["invitation", "last_invited_at"]
    if reminder:
        locked.reminders_sent += 1
        fields.append("reminders_sent")
    locked.save(update_fields=fields)
    number = locked.reminders_sent if reminder else 0
    record(
        actor=actor,
        action="organisation.claim_invite",
        obj=organisation,
        after=_audit_after(invitation, reminder=number),
    )
    _email(locked, invitation, token, reminder=number)
    return invitation


def _audit_after(invitation: Invitation, *, reminder: int) -> dict[str, object]:
    after: dict[str, object] = {"invitation": invitation.pk, "email": invitation.email}
    if reminder:
        after["reminder"] = reminder
    return after


def _email(
    imported: ImportedOrganisation, invitation: Invitation, token: str, *, reminder: int
) -> None:
    context = {
        "scheme_name": settings.PASSPLUS_SCHEME_NAME,
        "organisation": imported.organisation,
        "contact_name": imported.contact_name,
        "link": claim_link(token),
        "expires_at": invitation.expires_at,
        "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
        "reminder": reminder,
    }
    subject = CLAIM_SUBJECT + (" (rappel)" if reminder else "")
    email_later(
        to=[invitation.email],
        subject=subject,
        body=render_to_string("organisations/emails/claim_invitation.txt", context),
        html_body=render_to_string("organisations/emails/claim_invitation.html", context),
        about=f"invitation:{invitation.pk}",
    )


# Claiming ------------------------------------------------------------------------------------


def organisation_claim(
    *, invitation: Invitation, password: str, first_name: str, last_name: str
) -> User:
    """The contact's account, from the claim link (which then stops working, with any other
    claim link of the organisation): a member of the organisation, already affiliated, with
    nothing to sign. Refused with a French message, nothing written, for a used, revoked or
    expired link, an address that already has an account, an organisation already claimed
    (two claims at once: the row lock lets the second see the first) or terminated."""
    invitation.check_usable()
    if invitation.purpose != InvitationPurpose.CLAIM or invitation.organisation_id is None:
        raise DomainError(WRONG_PURPOSE)
    with transaction.atomic():
        imported = (
            ImportedOrganisation.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .filter(organisation_id=invitation.organisation_id)
            .first()
        )
        if imported is None:
            raise DomainError(WRONG_PURPOSE)
        if is_claimed(imported):
            raise DomainError(ALREADY_CLAIMED)
        if imported.organisation.status not in CLAIMABLE:
            raise DomainError(NOT_CLAIMABLE)
        user = organisation_account_create(
            invitation=invitation,
            purpose=InvitationPurpose.CLAIM,
            wrong_purpose=WRONG_PURPOSE,
            already_exists=email_taken_message(),
            password=password,
            first_name=first_name,
            last_name=last_name,
        )
        now = timezone.now()
        imported.claimed_at = now
        imported.save(update_fields=["claimed_at"])
        Invitation.objects.usable().filter(
            organisation_id=imported.organisation_id, purpose=InvitationPurpose.CLAIM
        ).update(revoked_at=now)
        record(
            actor=user,
            action="organisation.claim",
            obj=imported.organisation,
            after={"email": user.email, "invitation": invitation.pk},
        )
    return user


def claim_link_renew(*, invitation: Invitation) -> Invitation:
    """From an expired claim link, send a fresh one to the address on record (never
    another); only the latest link may be renewed, and only while nobody claimed."""
    if invitation.purpose != InvitationPurpose.CLAIM or invitation.organisation_id is None:
        raise DomainError("Ce lien ne peut pas être renouvelé.")
    if invitation.used_at or invitation.revoked_at or invitation.expires_at > timezone.now():
        raise DomainError("Ce lien ne peut pas être renouvelé : il n'a pas expiré.")
    imported = ImportedOrganisation.objects.filter(
        organisation_id=invitation.organisation_id
    ).first()
    if imported is None or imported.invitation_id != invitation.pk:
        raise DomainError("Un lien plus récent a déjà été envoyé : utilisez-le.")
    claim_invitation_send(imported, actor=None)
    assert imported.invitation is not None  # just issued
    return imported.invitation
