"""Payment workflows that span apps (redemptions, organisations, bank accounts)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone

from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.core.money import format_cents
from passplus.core.tasks import email_later
from passplus.organisations.models import BankAccount, Organisation
from passplus.payments.models import Payment, PaymentRun
from passplus.tickets.models import Redemption, RedemptionStatus


def end_to_end_id(cut_off: dt.datetime, organisation_id: int) -> str:
    """Unique per run and organisation, at most 35 characters (SEPA limit)."""
    return f"PASSPLUS-{cut_off:%Y%m%d}-{organisation_id:08d}"


def payment_run_build(*, cut_off: dt.datetime, actor: Any = None) -> PaymentRun:
    """Build the run of one cut-off: one payment per organisation with a validated account.

    Takes every payable redemption (entered, or rejected and waiting for new bank details)
    entered before the cut-off. Building twice for the same cut-off returns the existing run
    and changes nothing. Conservation is checked before commit.
    """
    existing = PaymentRun.objects.filter(cut_off=cut_off).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            run = PaymentRun.objects.create(cut_off=cut_off, built_by=actor)
            _fill_run(run, actor)
    except IntegrityError:
        # Another process built the same cut-off at the same moment: theirs wins.
        return PaymentRun.objects.get(cut_off=cut_off)
    return run


def _fill_run(run: PaymentRun, actor: Any) -> None:
    accounts = {account.organisation_id: account for account in BankAccount.objects.validated()}
    redemptions = (
        Redemption.objects.payable()
        .filter(entered_at__lt=run.cut_off, organisation_id__in=accounts.keys())
        .select_for_update()
        .order_by("organisation_id", "entered_at")
    )
    by_organisation: dict[int, list[Redemption]] = defaultdict(list)
    for redemption in redemptions:
        if redemption.status == RedemptionStatus.REJECTED and not _account_is_newer(
            accounts[redemption.organisation_id], redemption
        ):
            continue
        by_organisation[redemption.organisation_id].append(redemption)
    moved_total = 0
    for organisation_id, items in by_organisation.items():
        account = accounts[organisation_id]
        payment = Payment.objects.create(
            run=run,
            organisation_id=organisation_id,
            bank_account=account,
            holder=account.holder,
            iban=account.iban,
            bic=account.bic,
            amount_cents=sum(item.amount_cents for item in items),
            ticket_count=len(items),
            end_to_end_id=end_to_end_id(run.cut_off, organisation_id),
        )
        for item in items:
            item.include_in_payment(payment, actor=actor)
            moved_total += item.amount_cents
    paid_total = run.payments.aggregate(total=Sum("amount_cents"))["total"] or 0
    if paid_total != moved_total:
        raise DomainError("Contrôle de cohérence échoué : la campagne n'a pas été créée.")
    record(
        actor=actor,
        action="payment_run.build",
        obj=run,
        after={"payments": len(by_organisation), "total_cents": paid_total},
    )
    _notify_missing_bank_details(run, set(accounts))


def _notify_missing_bank_details(run: PaymentRun, paid_organisations: set[int]) -> None:
    """E-mail, once, the organisations whose entries wait for validated bank details."""
    waiting = (
        Organisation.objects.filter(
            redemptions__in=Redemption.objects.payable().filter(entered_at__lt=run.cut_off),
            missing_bank_details_notified_at__isnull=True,
        )
        .exclude(pk__in=paid_organisations)
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


def _account_is_newer(account: BankAccount, redemption: Redemption) -> bool:
    """A rejected redemption is paid again only to an account validated after the rejection."""
    return bool(
        account.reviewed_at
        and redemption.status_changed_at
        and account.reviewed_at > redemption.status_changed_at
    )


def payment_mark_paid(*, payment: Payment, actor: Any) -> None:
    """The bank executed the transfer: redemptions reimbursed, and the organisation receives
    the remittance advice by e-mail (queued in the same transaction)."""
    from passplus.payments.documents import remittance_advice_pdf

    with transaction.atomic():
        payment.mark_paid(actor=actor)
        recipients = payment.organisation.notification_emails
        if recipients:
            cut_off = timezone.localtime(payment.run.cut_off)
            email_later(
                to=recipients,
                subject=f"{settings.PASSPLUS_SCHEME_NAME} : virement de "
                f"{format_cents(payment.amount_cents)} effectué",
                body=render_to_string(
                    "payments/emails/paid.txt",
                    {
                        "payment": payment,
                        "cut_off": cut_off,
                        "scheme_name": settings.PASSPLUS_SCHEME_NAME,
                        "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
                    },
                ),
                attachments=[
                    (
                        f"avis-de-paiement-{cut_off:%Y-%m-%d}.pdf",
                        remittance_advice_pdf(payment),
                        "application/pdf",
                    )
                ],
            )


def payment_run_sepa_file(*, run: PaymentRun, actor: Any) -> PaymentRun:
    """Produce the run's SEPA file once (after approval), store it with its SHA-256, audited.
    Later downloads give the very same file."""
    from django.core.files.base import ContentFile

    from passplus.payments.sepa import sepa_file

    with transaction.atomic():
        locked = PaymentRun.objects.select_for_update().get(pk=run.pk)
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
