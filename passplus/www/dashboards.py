"""What the back-office and correspondent dashboards share: the school year asked for in the
query string, the figures of a scope, and the CSV file of one chart."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from passplus.campaigns.models import SchoolYear
from passplus.core.exports import csv_lines
from passplus.payments.calendar import next_cut_off
from passplus.statistics.charts import build_chart, build_charts
from passplus.statistics.figures import (
    Scope,
    money_figures,
    organisation_figures,
    redemption_summary,
)
from passplus.www.downloads import FileSize

YEAR_PARAMETER = "campagne"
MAX_PK = 2**31 - 1


def selected_year(request: HttpRequest) -> SchoolYear | None:
    """The year of `?campagne=<pk>` (404 if there is no such year), else the current one
    (None when no year is configured)."""
    raw = request.GET.get(YEAR_PARAMETER, "").strip()
    if not raw:
        return SchoolYear.objects.current()
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_PK:
        raise Http404("Année scolaire inconnue.")
    return get_object_or_404(SchoolYear, pk=int(raw))


def dashboard_context(scope: Scope | None, csv_url_name: str) -> dict[str, Any]:
    """Figures and charts common to both dashboards (nothing but the year list without a
    year). `csv_url_name` is the URL name of the space's CSV view, which takes the slug."""
    context: dict[str, Any] = {
        "years": SchoolYear.objects.order_by("-starts_on"),
        "year": scope.year if scope else None,
        "year_parameter": YEAR_PARAMETER,
        "next_cut_off": next_cut_off(timezone.now()),
    }
    if scope is None:
        return context
    query = f"?{YEAR_PARAMETER}={scope.year.pk}"
    summary = redemption_summary(scope)
    context.update(
        {
            "redemption_summary": summary,
            "redemption_total": sum(row["count"] for row in summary),
            "money": money_figures(scope),
            "partners": organisation_figures(scope),
            "charts": [
                {
                    "chart": chart,
                    "csv_url": reverse(csv_url_name, args=[chart.slug]) + query,
                    "csv_file": FileSize("CSV", len(chart_csv_text(chart).encode("utf-8"))),
                }
                for chart in build_charts(scope)
            ],
        }
    )
    return context


def chart_csv_text(chart: Any) -> str:
    """The chart's rows as the CSV file its link downloads (its size is shown on the link)."""
    return "".join(csv_lines(chart.csv_header, chart.csv_rows))


def chart_csv(scope: Scope | None, slug: str, *, prefix: str = "") -> HttpResponse:
    """The rows of chart `slug` as CSV for French Excel (404 for a chart the scope has not)."""
    chart = build_chart(scope, slug) if scope else None
    if scope is None or chart is None:
        raise Http404("Tableau inconnu.")
    response = HttpResponse(chart_csv_text(chart), content_type="text/csv; charset=utf-8")
    name = "-".join(filter(None, [prefix, slug, slugify(scope.year.label)]))
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
