"""The back office's home: the dashboard of the selected school year (whole territory)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from passplus.accounts.access import staff_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.payments.models import PaymentRun
from passplus.statistics.figures import (
    Scope,
    organisation_summary,
    pupil_figures,
    ticket_summary,
)
from passplus.www.dashboards import chart_csv, dashboard_context, selected_year


@staff_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    year = selected_year(request)
    scope = Scope(year) if year else None
    context = dashboard_context(scope, "backoffice:dashboard_csv")
    if scope is not None:
        tickets = ticket_summary(scope.year)
        context.update(
            {
                "pupils": pupil_figures(scope.year),
                "ticket_summary": tickets,
                "tickets_issued": {
                    "count": sum(row["count"] for row in tickets),
                    "amount": sum(row["amount"] for row in tickets),
                },
            }
        )
    context.update(
        {
            "organisation_summary": organisation_summary(),
            "runs": PaymentRun.objects.all()[:5],
        }
    )
    return render(request, "backoffice/home.html", context)


@staff_required
def dashboard_csv(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    year = selected_year(request)
    return chart_csv(Scope(year) if year else None, slug)
