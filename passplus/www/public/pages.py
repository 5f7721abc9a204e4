"""The public information pages: help for families and for partners, the rules in force, legal
notices, privacy and the accessibility statement.

Figures that change (credit amounts, deadlines, payment days, retention) come from the
database and the settings, never from the text, so the pages say what the platform does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from passplus.conventions.models import ConventionVersion
from passplus.core.enums import WalletDomain
from passplus.organisations.models import Organisation
from passplus.pupils.models import SchoolYear
from passplus.territory.models import Commune
from passplus.tickets.models import RedemptionStatus, TicketStatus
from passplus.www.public.conventions import version_context

# What each state means, in the words of the people who see it. Every state of the enums must
# be explained (tested): a new state cannot be added without saying what it means.
TICKET_STATES = {
    TicketStatus.AVAILABLE: "Le ticket peut être remis à un organisme partenaire.",
    TicketStatus.USED: "Un organisme a saisi le ticket : il ne peut plus servir.",
    TicketStatus.VOID: (
        "Le ticket a été annulé (par la famille ou par le département) : son montant est "
        "revenu au crédit du collégien."
    ),
    TicketStatus.EXPIRED: (
        "La date limite de saisie de la campagne est passée sans que le ticket soit utilisé."
    ),
}
REDEMPTION_STATES = {
    RedemptionStatus.ENTERED: (
        "Vous avez saisi le ticket ; il sera inclus dans le prochain virement. Vous pouvez "
        "encore annuler la saisie en cas d'erreur."
    ),
    RedemptionStatus.IN_PAYMENT: (
        "Le ticket fait partie d'un virement en préparation ou transmis à la banque."
    ),
    RedemptionStatus.REIMBURSED: "Le virement qui contient ce ticket a été payé.",
    RedemptionStatus.CANCELLED: (
        "La saisie a été annulée (par vous ou par le département) : elle ne sera pas payée."
    ),
    RedemptionStatus.REJECTED: (
        "La banque a rejeté le virement (compte clos, coordonnées erronées…). Le ticket sera "
        "repayé au virement suivant, dès que de nouvelles coordonnées bancaires auront été "
        "validées."
    ),
}


FOR_DOMAIN = {
    WalletDomain.ALL: "pour le sport ou la culture",
    WalletDomain.SPORT: "pour le sport",
    WalletDomain.CULTURE: "pour la culture",
}


def _states(explanations: dict[Any, str]) -> list[dict[str, str]]:
    return [{"label": str(state.label), "meaning": text} for state, text in explanations.items()]


def _cutoff_days() -> str:
    """'1 et 16' from PASSPLUS_CUTOFF_DAYS."""
    days = [str(day) for day in sorted(settings.PASSPLUS_CUTOFF_DAYS)]
    return " et ".join([", ".join(days[:-1]), days[-1]]) if len(days) > 1 else "".join(days)


def _year_context() -> dict[str, Any]:
    year = SchoolYear.objects.current()
    return {"year": year, "allowances": _allowances(year) if year else []}


def _allowances(year: SchoolYear) -> list[dict[str, Any]]:
    """The credit of the year, per wallet: [{'domain': 'Sport', 'standard': 4000, …}]."""
    standard = year.allowances(scholarship=False)
    scholarship = year.allowances(scholarship=True)
    return [
        {
            "domain": WalletDomain(domain).label,
            "for_domain": FOR_DOMAIN[WalletDomain(domain)],
            "standard": standard[domain],
            "scholarship": scholarship.get(domain, 0),
        }
        for domain in standard
    ]


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/home.html",
        {
            **_year_context(),
            "partner_count": Organisation.objects.listed().count(),
            "commune_count": Commune.objects.count(),
            "cutoff_days": _cutoff_days(),
        },
    )


def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "public/help.html")


def help_families(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/pages/help_families.html",
        {**_year_context(), "ticket_states": _states(TICKET_STATES)},
    )


def help_partners(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/pages/help_partners.html",
        {
            **_year_context(),
            "redemption_states": _states(REDEMPTION_STATES),
            "cutoff_days": _cutoff_days(),
            "lookup_failures": settings.PASSPLUS_LOOKUP_MAX_FAILURES,
            "lookup_window": settings.PASSPLUS_LOOKUP_WINDOW_MINUTES,
            "lookup_block": settings.PASSPLUS_LOOKUP_BLOCK_MINUTES,
        },
    )


def rules(request: HttpRequest) -> HttpResponse:
    """The rules and general conditions in force (the current convention version)."""
    version = ConventionVersion.objects.filter(is_current=True).first()
    context = version_context(version) if version else {"version": None}
    return render(request, "public/pages/rules.html", {**context, **_year_context()})


def legal_notices(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/pages/legal_notices.html",
        {
            "host_name": settings.PASSPLUS_HOST_NAME,
            "host_address": settings.PASSPLUS_HOST_ADDRESS,
        },
    )


def privacy(request: HttpRequest) -> HttpResponse:
    days = settings.PASSPLUS_RETENTION_DAYS
    return render(
        request,
        "public/pages/privacy.html",
        {
            "retention_days": days,
            "retention_years": days // 365 if days % 365 == 0 else None,
            "lookup_block": settings.PASSPLUS_LOOKUP_BLOCK_MINUTES,
        },
    )


# The date of the accessibility statement: when the checks it reports were last run.
ACCESSIBILITY_STATEMENT_DATE = dt.date(2026, 11, 28)


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/pages/accessibility.html",
        {"statement_date": ACCESSIBILITY_STATEMENT_DATE},
    )
