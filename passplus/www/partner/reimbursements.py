""" "Mes remboursements": totals by state, next expected payment, the organisation's transfers
and the tickets in each (only its own: every query is filtered by the organisation)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.core.reporting import status_summary
from passplus.organisations.models import Organisation
from passplus.payments.documents import remittance_advice_facts, remittance_advice_pdf
from passplus.payments.models import Payment, PaymentStatus
from passplus.payments.next_transfer import next_transfer
from passplus.tickets.models import Redemption, RedemptionStatus
from passplus.www.partner.access import partner_view


@partner_view
def reimbursements(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    payments = (
        Payment.objects.filter(organisation=organisation)
        .select_related("run")
        .order_by("-run__cut_off")
    )
    return render(
        request,
        "partner/reimbursements/list.html",
        {
            "summary": status_summary(
                Redemption.objects.of_organisation(organisation),
                RedemptionStatus.choices,
                amount_field="amount_cents",
            ),
            "next_transfer": next_transfer(organisation, timezone.now()),
            "bank_account": organisation.current_bank_account(),
            "payments": payments,
            "export_rows": Redemption.objects.of_organisation(organisation).count(),
        },
    )


@partner_view
def payment_detail(
    request: AuthenticatedHttpRequest, organisation: Organisation, pk: int
) -> HttpResponse:
    payment = get_object_or_404(
        Payment.objects.select_related("run"), pk=pk, organisation=organisation
    )
    return render(
        request,
        "partner/reimbursements/payment.html",
        {
            "payment": payment,
            # A paid transfer's page is its remittance advice in HTML (issue 22 §11).
            "advice_facts": remittance_advice_facts(payment)
            if payment.status == PaymentStatus.PAID
            else [],
            "redemptions": payment.redemptions.select_related("ticket__wallet__pupil").order_by(
                "entered_at"
            ),
        },
    )


@partner_view
def payment_advice_pdf(
    request: AuthenticatedHttpRequest, organisation: Organisation, pk: int
) -> HttpResponse:
    """The remittance advice of a paid transfer of the organisation (else 404)."""

    payment = get_object_or_404(
        Payment.objects.select_related("run", "organisation"),
        pk=pk,
        organisation=organisation,
        status=PaymentStatus.PAID,
    )
    response = HttpResponse(remittance_advice_pdf(payment), content_type="application/pdf")
    # Named by the day it was paid (issue 33 §3), as the page and the list name it.
    paid_on = timezone.localtime(payment.settled_at or payment.run.cut_off)
    response["Content-Disposition"] = (
        f'attachment; filename="avis-de-paiement-{paid_on:%Y-%m-%d}.pdf"'
    )
    return response
