"""Payment workflows that span apps (redemptions, organisations, bank accounts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.notifications.tasks import email_later
from passplus.organisations.models import BankAccount, Organisation
from passplus.payments.emails import send_remittance_advice
from passplus.payments.models import Payment, PaymentRun
from passplus.payments.sepa import RUN_STATUSES_WITH_FILE, sepa_file
from passplus.payments.settlement import mark_run_paid
from passplus.tickets.models import Redemption

if TYPE_CHECKING:
    from passplus.accounts.models import User


def notify_missing_bank_details(run: PaymentRun) -> None:
    """E-mail, once, the organisations whose entries wait for validated bank details."""
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
            )
        Organisation.objects.filter(pk=organisation.pk).update(
            missing_bank_details_notified_at=timezone.now()
        )


def payment_mark_paid(*, payment: Payment, actor: User) -> None:
    """The bank executed the transfer: redemptions reimbursed, and the organisation receives
    the remittance advice by e-mail (queued in the same transaction)."""
    with transaction.atomic():
        payment.mark_paid(actor=actor)
        send_remittance_advice.enqueue(payment_id=payment.pk)


def payment_run_mark_all_paid(*, run: PaymentRun, actor: User) -> int:
    """The bank's statement shows the whole run executed: every pending transfer paid, each
    organisation's remittance advice queued, and the run closed — all or nothing. Returns how
    many transfers were marked."""
    with transaction.atomic():
        paid = mark_run_paid(run, actor=actor)
        for payment in paid:
            send_remittance_advice.enqueue(payment_id=payment.pk)
        run.refresh_from_db()
        run.close(actor=actor)
    return len(paid)


def payment_mark_rejected(*, payment: Payment, actor: User, reason: str) -> None:
    """The bank returned the transfer: redemptions rejected, bank account flagged invalid, and
    the organisation told why and what to do (e-mail queued in the same transaction)."""
    with transaction.atomic():
        payment.mark_rejected(actor=actor, reason=reason)
        recipients = payment.organisation.notification_emails
        if recipients:
            email_later(
                to=recipients,
                subject=f"{settings.PASSPLUS_SCHEME_NAME} : virement rejeté par votre banque",
                body=render_to_string(
                    "payments/emails/rejected.txt",
                    {
                        "payment": payment,
                        "reason": reason,
                        "cut_off": timezone.localtime(payment.run.cut_off),
                        "scheme_name": settings.PASSPLUS_SCHEME_NAME,
                        "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
                    },
                ),
            )


def payment_run_sepa_file(*, run: PaymentRun, actor: User) -> PaymentRun:
    """Produce the run's SEPA file once (after approval), store it with its SHA-256, audited.
    Later downloads give the very same file."""
    from django.core.files.base import ContentFile

    with transaction.atomic():
        locked = PaymentRun.objects.select_for_update().get(pk=run.pk)
        if locked.status not in RUN_STATUSES_WITH_FILE or not locked.approved_by_second_person:
            # Checked before the stored file too: a file produced before a run was reopened
            # (migration payments 0003) waits for the second person like a new one.
            raise DomainError(
                "Le fichier de virement ne peut être produit qu'une fois la campagne approuvée "
                "par une deuxième personne."
            )
        if locked.sepa_file:
            return locked
        produced = sepa_file(locked)
        locked.sepa_file.save(produced.filename, ContentFile(produced.xml), save=False)
        locked.sepa_sha256 = produced.sha256
        locked.save(update_fields=["sepa_file", "sepa_sha256"])
        record(
            actor=actor,
            action="payment_run.sepa_file",
            obj=locked,
            after={"sha256": produced.sha256, "file": locked.sepa_file.name},
        )
    return locked


def payment_run_sepa_download(*, run: PaymentRun, actor: User) -> PaymentRun:
    """The run's SEPA file for `actor` to download (produced the first time: see
    payment_run_sepa_file), each download audited in the same transaction. Refused with
    DomainError, nothing recorded, until a second person approved the run."""
    with transaction.atomic():
        run = payment_run_sepa_file(run=run, actor=actor)
        record(
            actor=actor,
            action="payment_run.sepa_download",
            obj=run,
            after={"sha256": run.sepa_sha256, "file": run.sepa_file.name},
        )
    return run
