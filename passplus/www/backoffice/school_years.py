"""The back office's campaign (school year) pages: dates, amounts, optional sport / culture
split, deadlines. Every staff role reads them; gestionnaire and admin create and edit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from passplus.accounts.access import manager_required, staff_required
from passplus.accounts.http import AuthenticatedHttpRequest
from passplus.accounts.models import Role
from passplus.campaigns.models import SchoolYear
from passplus.campaigns.services import school_year_save
from passplus.www.backoffice.pupil_forms import SchoolYearForm


@staff_required
def school_year_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "backoffice/school_years/list.html",
        {
            "years": SchoolYear.objects.all(),
            "can_edit": request.user.has_role(Role.GESTIONNAIRE),
        },
    )


@manager_required
def school_year_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit(request, SchoolYear())


@manager_required
def school_year_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(SchoolYear, pk=pk))


def _edit(request: AuthenticatedHttpRequest, year: SchoolYear) -> HttpResponse:
    creating = year.pk is None
    form = SchoolYearForm(request.POST or None, instance=year)
    if request.method == "POST" and form.is_valid():
        year = school_year_save(
            year=form.save(commit=False),
            actor=request.user,
        )
        done = "créée" if creating else "enregistrée"
        messages.success(request, f"Année scolaire {year} {done}.")
        return redirect("backoffice:school_years")
    return render(
        request,
        "backoffice/school_years/form.html",
        {"form": form, "year": year, "creating": creating},
    )
