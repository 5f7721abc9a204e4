from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.conventions.models import ConventionStatus
from passplus.core.reporting import status_summary
from passplus.organisations.bank_changes import MAY_CHANGE, change_in_progress
from passplus.organisations.enums import OrganisationStatus
from passplus.organisations.models import Organisation
from passplus.payments.next_transfer import next_transfer
from passplus.tickets.models import Redemption, RedemptionStatus
from passplus.www.partner.access import partner_view
from passplus.www.partner.conventions import previous_convention


@partner_view
def home(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    if organisation.status == OrganisationStatus.SIGNING:
        return redirect("partner:affiliation")
    redemptions = Redemption.objects.of_organisation(organisation)
    return render(
        request,
        "partner/home.html",
        {
            "organisation": organisation,
            "bank_account": organisation.current_bank_account(),
            "may_change_bank_details": organisation.status in MAY_CHANGE,
            "bank_change": change_in_progress(organisation),
            "next_transfer": next_transfer(organisation, timezone.now()),
            "summary": status_summary(
                redemptions, RedemptionStatus.choices, amount_field="amount_cents"
            ),
            "conventions": organisation.conventions.filter(
                status=ConventionStatus.SIGNED
            ).select_related("version"),
            "previous_convention": previous_convention(organisation),
            "recent": redemptions.select_related("ticket", "activity")[:10],
        },
    )
