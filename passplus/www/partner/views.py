from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from passplus.accounts.access import organisation_required
from passplus.conventions.models import ConventionStatus
from passplus.core.reporting import status_summary
from passplus.organisations.enums import OrganisationStatus
from passplus.tickets.models import Redemption, RedemptionStatus


@organisation_required
def home(request: HttpRequest) -> HttpResponse:
    organisation = request.user.organisation  # type: ignore[union-attr]
    assert organisation is not None  # guaranteed by the role (database constraint)
    if organisation.status == OrganisationStatus.SIGNING:
        return redirect("partner:affiliation")
    redemptions = Redemption.objects.of_organisation(organisation)
    return render(
        request,
        "partner/home.html",
        {
            "organisation": organisation,
            "bank_account": organisation.current_bank_account(),
            "summary": status_summary(
                redemptions, RedemptionStatus.choices, amount_field="amount_cents"
            ),
            "conventions": organisation.conventions.filter(
                status=ConventionStatus.SIGNED
            ).select_related("version"),
            "recent": redemptions.select_related("ticket", "activity")[:10],
        },
    )
