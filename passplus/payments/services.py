"""A payment run's steps after its build, one service each and the only way to take it: check,
approve, SEPA file (and its audited downloads), transmit (only with the file downloaded by a
finance user other than the builder, its SHA-256 recorded), close. The transfers' reconciliation
(paid, rejected, the whole run paid) is in passplus/payments/settlement.py, the build in
passplus/payments/build.py, the request from the pages in passplus/payments/preparation.py.

Each service locks the run's row first and checks the rules on what is stored, so two finance
users on the same button are served one after the other: the second is refused, told in French
who took the step and when (`already_done`), and nothing is written twice."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from passplus.audit.models import AuditEvent, record
from passplus.core.errors import DomainError, TransitionError
from passplus.notifications.tasks import email_later
from passplus.organisations.models import BankAccount, Organisation
from passplus.payments.awaiting import notify_awaiting
from passplus.payments.models import (
    AFTER_APPROVAL,
    NOT_TWO_PEOPLE,
    TRANSMITTED,
    PaymentRun,
    PaymentRunStatus,
    PaymentStatus,
)
from passplus.payments.sepa import RUN_STATUSES_WITH_FILE, sepa_file
from passplus.tickets.models import Redemption

if TYPE_CHECKING:
    from django.db.models import Model

    from passplus.accounts.models import User

RS = PaymentRunStatus
NOT_SETTLED = "Des virements ne sont pas encore rapprochés."
FILE_MISSING = (
    "Le fichier SEPA enregistré pour cette campagne est introuvable : elle ne peut pas être "
    "marquée transmise. Prévenez l'administrateur du service."
)
FILE_ALTERED = (
    "Le fichier SEPA enregistré ne correspond plus à l'empreinte prise à sa production : ne le "
    "remettez pas à la banque et prévenez l'administrateur du service ; la campagne n'est pas "
    "marquée transmise."
)
NO_FILE_YET = (
    "Le fichier de virement ne peut être produit qu'une fois la campagne approuvée par une "
    "deuxième personne."
)


def locked(run: PaymentRun) -> PaymentRun:
    """`run` re-read under a row lock held until the caller's transaction ends: the rules are
    checked on what is stored, and every step of one run waits for the one before."""
    run.refresh_from_db(from_queryset=PaymentRun.objects.select_for_update())
    return run


def already_done(
    what: str,
    *,
    by: User | None = None,
    at: dt.datetime | None = None,
    obj: Model | None = None,
    action: str = "",
    then: str = "",
) -> TransitionError:
    """The refusal of a step already taken: "Campagne déjà transmise à la banque par Inès
    Martin le 20/11/2026 à 14:32." The person is `by`, or the actor of the last `action` on
    `obj` in the journal; either part is left out when unknown. `then` follows after a colon."""
    if by is None and obj is not None:
        event = (
            AuditEvent.objects.for_object(obj)
            .filter(action=action)
            .select_related("actor")
            .order_by("-pk")
            .first()
        )
        by = event.actor if event is not None else None
    name = f" par {by.full_name}" if by is not None else ""
    when = f" le {timezone.localtime(at):%d/%m/%Y à %H:%M}" if at is not None else ""
    return TransitionError(f"{what}{name}{when}{f' : {then}' if then else ''}.")


def payment_run_check(*, run: PaymentRun, actor: User) -> None:
    """The first of two finance people looks at a run the scheduler built (docs/design.md §4): the
    second approves it. Refused with DomainError for anyone else or any other state."""
    with transaction.atomic():
        locked(run)
        refusal = run.check_refusal(actor)
        if refusal:
            raise DomainError(refusal)
        if run.checked_by_id is not None:
            raise already_done("Campagne déjà vérifiée", by=run.checked_by, at=run.checked_at)
        run._move(
            RS.CHECKED,
            allowed_from=[RS.DRAFT],
            actor=actor,
            action="payment_run.check",
            changes={"checked_by": actor, "checked_at": timezone.now()},
        )
        notify_awaiting(PaymentRun.objects.get(pk=run.pk))


def payment_run_approve(*, run: PaymentRun, actor: User) -> None:
    """A second finance person approves: never the one who built or checked the run. Refused
    with DomainError otherwise, or once approved (naming who approved it)."""
    with transaction.atomic():
        locked(run)
        if run.status in AFTER_APPROVAL and run.approved_by_id is not None:
            raise already_done("Campagne déjà approuvée", by=run.approved_by, at=run.approved_at)
        if run.status in (RS.DRAFT, RS.CHECKED):
            refusal = run.approval_refusal(actor)
            if refusal:
                raise DomainError(refusal)
        run._move(
            RS.APPROVED,
            allowed_from=[RS.CHECKED] if run.built_by_system else [RS.DRAFT],
            actor=actor,
            action="payment_run.approve",
            changes={"approved_by": actor, "approved_at": timezone.now()},
        )


def payment_run_transmit(*, run: PaymentRun, actor: User) -> None:
    """The SEPA file was handed to the bank: the run is "transmise", the SHA-256 of the stored
    file is recorded, and its transfers may be reconciled. Refused with DomainError, nothing
    written, before a second person approved it, before a finance user other than its builder
    downloaded the file (PaymentRun.download_counts), when the stored file is missing or no
    longer matches the hash taken when it was produced, or once transmitted (naming who)."""
    with transaction.atomic():
        locked(run)
        if run.status in TRANSMITTED and run.sent_at is not None:
            raise already_done(
                "Campagne déjà transmise à la banque", by=run.sent_by, at=run.sent_at
            )
        sha256 = ""
        if run.status == RS.APPROVED:
            if not run.approved_by_second_person:
                raise DomainError(NOT_TWO_PEOPLE.format(what="transmission"))
            refusal = run.transmission_refusal()
            if refusal:
                raise DomainError(refusal)
            sha256 = stored_file_sha256(run)
        run._move(
            RS.SENT,
            allowed_from=[RS.APPROVED],
            actor=actor,
            action="payment_run.send",
            changes={"sent_by": actor, "sent_at": timezone.now(), "sent_sha256": sha256},
        )


def stored_file_sha256(run: PaymentRun) -> str:
    """The SHA-256 of the run's stored SEPA file as it is now, refused (DomainError) when the
    file is gone or differs from the hash taken when it was produced."""
    try:
        with run.sepa_file.open("rb") as stored:
            sha256 = hashlib.file_digest(stored, "sha256").hexdigest()
    except (OSError, ValueError) as error:  # ValueError: no file recorded at all
        raise DomainError(FILE_MISSING) from error
    if sha256 != run.sepa_sha256:
        raise DomainError(FILE_ALTERED)
    return sha256


def _close(run: PaymentRun, actor: User | None) -> None:
    run._move(
        RS.CLOSED,
        allowed_from=[RS.SENT],
        actor=actor,
        action="payment_run.close",
        changes={"closed_at": timezone.now()},
    )


def close_if_settled(run: PaymentRun, *, actor: User | None) -> bool:
    """Inside the transaction that settled a transfer of the locked `run`: close the run when
    none is pending any more. Returns whether it closed."""
    if run.status != RS.SENT or run.payments.filter(status=PaymentStatus.PENDING).exists():
        return False
    _close(run, actor)
    return True


def closed_already(run: PaymentRun) -> TransitionError:
    """The refusal of a step on a closed run, naming who closed it and when."""
    return already_done(
        "Campagne déjà clôturée",
        at=run.closed_at,
        obj=run,
        action="payment_run.close",
        then="aucun virement n'est en attente",
    )


def payment_run_close(*, run: PaymentRun, actor: User | None) -> None:
    """Close a transmitted run whose every transfer is paid or rejected. The settlement
    services close the run themselves with its last transfer, in their transaction; this one
    is for a run whose transfers were all settled before. Refused with DomainError otherwise."""
    with transaction.atomic():
        locked(run)
        if run.status == RS.CLOSED:
            raise closed_already(run)
        if run.payments.filter(status=PaymentStatus.PENDING).exists():
            raise DomainError(NOT_SETTLED)
        _close(run, actor)


def payment_run_sepa_file(*, run: PaymentRun, actor: User) -> PaymentRun:
    """Produce the run's SEPA file once (after approval), store it with its SHA-256, audited.
    Later calls give the very same file."""
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().get(pk=run.pk)
        if run.status not in RUN_STATUSES_WITH_FILE or not run.approved_by_second_person:
            # Checked before the stored file too: a file produced before a run was reopened
            # (migration payments 0003) waits for the second person like a new one.
            raise DomainError(NO_FILE_YET)
        if run.sepa_file:
            return run
        produced = sepa_file(run)
        run.sepa_file.save(produced.filename, ContentFile(produced.xml), save=False)
        run.sepa_sha256 = produced.sha256
        run.save(update_fields=["sepa_file", "sepa_sha256"])
        record(
            actor=actor,
            action="payment_run.sepa_file",
            obj=run,
            after={"sha256": produced.sha256, "file": run.sepa_file.name},
        )
    return run


def payment_run_sepa_download(*, run: PaymentRun, actor: User) -> PaymentRun:
    """The run's SEPA file for `actor` to download (produced the first time: see
    payment_run_sepa_file), each download audited in the same transaction; the first by a
    finance user other than the builder, before the transmission, is recorded on the run: the
    transmission needs it. Refused with DomainError, nothing recorded, until a second person
    approved the run."""
    with transaction.atomic():
        run = payment_run_sepa_file(run=run, actor=actor)  # locked until the end
        if run.download_counts(actor):
            run.sepa_downloaded_by, run.sepa_downloaded_at = actor, timezone.now()
            run.save(update_fields=["sepa_downloaded_by", "sepa_downloaded_at"])
        record(
            actor=actor,
            action="payment_run.sepa_download",
            obj=run,
            after={"sha256": run.sepa_sha256, "file": run.sepa_file.name},
        )
    return run


def notify_missing_bank_details(run: PaymentRun) -> None:
    """E-mail, once, the organisations whose entries wait for validated bank details (called
    by the build, in its transaction)."""
    waiting = (
        Organisation.objects.filter(
            redemptions__in=Redemption.objects.payable().filter(entered_at__lt=run.cut_off),
            missing_bank_details_notified_at__isnull=True,
        )
        .exclude(pk__in=BankAccount.objects.validated().values("organisation_id"))
        .distinct()
    )
    for organisation in waiting:
        recipients = organisation.notification_emails
        if recipients:
            context = {
                "organisation": organisation,
                "scheme_name": settings.PASSPLUS_SCHEME_NAME,
                "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
                "cut_off": run.cut_off,
            }
            email_later(
                to=recipients,
                subject=f"{settings.PASSPLUS_SCHEME_NAME} : coordonnées bancaires manquantes",
                body=render_to_string("payments/emails/missing_bank_details.txt", context),
                about=f"missing-bank-details:{organisation.pk}:{run.pk}",
            )
        Organisation.objects.filter(pk=organisation.pk).update(
            missing_bank_details_notified_at=timezone.now()
        )
