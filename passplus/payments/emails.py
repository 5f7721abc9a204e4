"""The e-mail that tells an organisation its transfer was paid, with the remittance advice.

Built by the worker that sends it (`send_remittance_advice`, a task queued in the transaction
that marked the transfer paid), not in the finance agent's request: marking a run of thousands
of transfers paid renders no PDF.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from passplus.core.money import format_cents
from passplus.core.tasks import retried_task
from passplus.notifications.tasks import email_now
from passplus.payments.documents import remittance_advice_pdf
from passplus.payments.models import Payment


def remittance_advice_email(payment: Payment) -> dict[str, Any]:
    """Subject, body and PDF attachment of `payment`'s e-mail (keyword arguments of
    `email_now`)."""
    cut_off = timezone.localtime(payment.run.cut_off)
    return {
        "subject": f"{settings.PASSPLUS_SCHEME_NAME} : virement de "
        f"{format_cents(payment.amount_cents)} effectué",
        "body": render_to_string(
            "payments/emails/paid.txt",
            {
                "payment": payment,
                "cut_off": cut_off,
                "scheme_name": settings.PASSPLUS_SCHEME_NAME,
                "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
            },
        ),
        "attachments": [
            (
                f"avis-de-paiement-{cut_off:%Y-%m-%d}.pdf",
                remittance_advice_pdf(payment),
                "application/pdf",
            )
        ],
    }


@retried_task(queue_name="emails")
def send_remittance_advice(*, payment_id: int) -> int:
    """E-mail a paid transfer's remittance advice to its organisation's current users and
    legal representative (none: nothing sent)."""
    payment = Payment.objects.select_related("run", "organisation").get(pk=payment_id)
    recipients = payment.organisation.notification_emails
    if not recipients:
        return 0
    # One advice per paid transfer: a retry sends the same Message-ID (notifications.message_ids).
    return email_now(
        to=recipients, about=f"payment-paid:{payment.pk}", **remittance_advice_email(payment)
    )
