"""The public information pages: home, help for families and for partners, the rules in force,
legal notices, privacy and the accessibility statement.

Figures that change (credit amounts, deadlines, payment days, look-up limits, retention) come
from the database and the settings, never from the text, so the pages say what the platform
does. State names come from the enums' labels, the very words the spaces display.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from passplus.accounts.sessions import session_durations
from passplus.campaigns.models import SchoolYear
from passplus.conventions.models import ConventionVersion
from passplus.core.enums import WalletDomain
from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import Organisation
from passplus.payments.models import PaymentStatus
from passplus.tickets.models import RedemptionStatus, TicketStatus
from passplus.www.public.accessibility_audit import current_grid
from passplus.www.public.conventions import version_context
from passplus.www.public.security_txt import contact_links

# What each state means, in the words of the people who see it. Every state of the enums must
# be explained (tested): a new state cannot be added without saying what it means.
TICKET_STATES = {
    TicketStatus.AVAILABLE: "Le ticket peut être remis à un organisme partenaire.",
    TicketStatus.ASSIGNED: (
        "La famille a affecté ce crédit en ligne à un organisme partenaire, qui doit confirmer "
        "l'inscription de l'enfant : le ticket n'est ni imprimé ni saisi. Si l'organisme refuse, "
        "ne répond pas à temps ou si la famille retire l'affectation, le montant revient au "
        "crédit du collégien."
    ),
    TicketStatus.USED: (
        "Un organisme a saisi le ticket : il ne peut plus servir ailleurs. Si l'organisme annule "
        "sa saisie (une erreur, une inscription abandonnée), le ticket redevient disponible."
    ),
    TicketStatus.VOID: (
        "Le ticket a été annulé (par la famille ou par le département) : son montant est "
        "revenu au crédit du collégien."
    ),
    TicketStatus.EXPIRED: (
        "La date limite de saisie de l'année scolaire est passée sans que le ticket soit utilisé."
    ),
}
REDEMPTION_STATES = {
    RedemptionStatus.ENTERED: (
        "Vous avez saisi le ticket ; il sera inclus dans le prochain virement. Vous pouvez "
        "encore annuler la saisie en cas d'erreur."
    ),
    RedemptionStatus.IN_PAYMENT: (
        "Le ticket fait partie d'un virement en préparation ou transmis à la banque : la saisie "
        "ne peut plus être annulée."
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
PAYMENT_STATES = {
    PaymentStatus.PENDING: (
        "Le virement est préparé ou transmis à la banque : il arrive en général sous quelques "
        "jours ouvrés."
    ),
    PaymentStatus.PAID: (
        "La banque a exécuté le virement ; l'avis de virement (liste des tickets payés) est "
        "téléchargeable depuis votre espace."
    ),
    PaymentStatus.REJECTED: (
        "La banque a renvoyé le virement ; le motif est affiché. Saisissez de nouvelles "
        "coordonnées bancaires : les tickets seront payés au virement suivant leur validation."
    ),
}
BANK_ACCOUNT_STATES = {
    BankAccountStatus.DRAFT: (
        "Les coordonnées sont enregistrées mais pas encore confirmées par le code SMS du "
        "représentant légal."
    ),
    BankAccountStatus.PENDING: (
        "Confirmées par SMS, les coordonnées attendent la vérification du département."
    ),
    BankAccountStatus.VALIDATED: "Le compte sur lequel les virements sont faits.",
    BankAccountStatus.REJECTED: (
        "Le département n'a pas validé ces coordonnées (RIB illisible ou différent, par "
        "exemple) ; le motif est indiqué dans l'e-mail. L'ancien compte reste utilisé."
    ),
    BankAccountStatus.REPLACED: "Un ancien compte, remplacé par un compte validé plus récent.",
    BankAccountStatus.INVALID: (
        "Un virement vers ce compte a été rejeté par la banque : saisissez de nouvelles "
        "coordonnées."
    ),
}
ORGANISATION_STATES = {
    OrganisationStatus.IDENTIFIED: (
        "Le correspondant de votre commune a enregistré la fiche d'identification ; "
        "l'invitation à signer vous a été envoyée par e-mail."
    ),
    OrganisationStatus.SIGNING: "Vous avez commencé à remplir la convention, pas encore signée.",
    OrganisationStatus.AFFILIATED: (
        "La convention est signée : vous pouvez saisir des tickets, et votre fiche peut "
        "figurer dans l'annuaire."
    ),
    OrganisationStatus.SUSPENDED: (
        "Le département a suspendu l'affiliation (contrôle, manquement au règlement) : la "
        "saisie est impossible et la fiche n'est plus dans l'annuaire, mais les tickets déjà "
        "saisis sont payés."
    ),
    OrganisationStatus.TERMINATED: "La convention a pris fin.",
}


FOR_DOMAIN = {
    WalletDomain.ALL: "pour le sport ou la culture",
    WalletDomain.SPORT: "pour le sport",
    WalletDomain.CULTURE: "pour la culture",
}


def _states(explanations: dict[Any, str]) -> list[dict[str, str]]:
    return [{"label": str(state.label), "meaning": text} for state, text in explanations.items()]


def _french_list(items: list[str]) -> str:
    """['1', '10', '16'] -> '1, 10 et 16'."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} et {items[-1]}"


def _cutoff_days() -> str:
    """'1 et 16' from PASSPLUS_CUTOFF_DAYS."""
    return _french_list([str(day) for day in sorted(settings.PASSPLUS_CUTOFF_DAYS)])


def _year_context() -> dict[str, Any]:
    """The current school year (or the latest one), its credit per wallet, and whether tickets
    may still be created and entered today."""
    year = SchoolYear.objects.current()
    if year is None:
        return {
            "year": None,
            "allowances": [],
            "generation_open": False,
            "redemption_open": False,
            "not_started": False,
        }
    today = timezone.localdate()
    return {
        "year": year,
        "allowances": _allowances(year),
        "generation_open": year.accepts_generation(today),
        "redemption_open": year.accepts_redemption(today),
        "not_started": today < year.starts_on,
    }


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
    listed = Organisation.objects.listed()
    return render(
        request,
        "public/home.html",
        {
            **_year_context(),
            "partner_count": listed.count(),
            # The communes where a family finds a partner, not every commune of the territory.
            "commune_count": listed.values("commune").distinct().count(),
            "cutoff_days": _cutoff_days(),
        },
    )


def help_page(request: HttpRequest) -> HttpResponse:
    """The help hub: one entry per audience, and how to become a partner."""
    return render(
        request,
        "public/help.html",
        {"min_age_years": settings.PASSPLUS_MIN_ORGANISATION_AGE_YEARS},
    )


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
            "payment_states": _states(PAYMENT_STATES),
            "bank_account_states": _states(BANK_ACCOUNT_STATES),
            "organisation_states": _states(ORGANISATION_STATES),
            "cutoff_days": _cutoff_days(),
            "lookup_failures": settings.PASSPLUS_LOOKUP_MAX_FAILURES,
            "lookup_window": settings.PASSPLUS_LOOKUP_WINDOW_MINUTES,
            "lookup_block": settings.PASSPLUS_LOOKUP_BLOCK_MINUTES,
            "bulk_max_lines": settings.PASSPLUS_BULK_ENTRY_MAX_LINES,
        },
    )


def rules(request: HttpRequest) -> HttpResponse:
    """The rules and general conditions in force (the current convention version, the text
    partners accept when they sign), and links to the earlier versions."""
    version = ConventionVersion.objects.filter(is_current=True).first()
    context: dict[str, Any] = {"version": None}
    if version is not None:
        context = version_context(version)
    return render(
        request,
        "public/pages/rules.html",
        {
            **context,
            **_year_context(),
            "archived_versions": ConventionVersion.objects.filter(is_current=False),
        },
    )


def legal_notices(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/pages/legal_notices.html",
        {
            "host_name": settings.PASSPLUS_HOST_NAME,
            "host_address": settings.PASSPLUS_HOST_ADDRESS,
            "source_url": settings.PASSPLUS_SOURCE_URL,
            "security_contacts": contact_links(),
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
            "session": session_durations(),
        },
    )


def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement: its rate, level, sample and non-conformities are computed
    from the RGAA grid (public/accessibility_grid.toml), dated by it."""
    grid = current_grid()
    return render(
        request,
        "public/pages/accessibility.html",
        {
            "grid": grid,
            "statement_date": grid.date,
            "failing": [
                {
                    "criterion": criterion,
                    "pages": [grid.sample[page] for page in criterion.failing_pages],
                    "whole_sample": len(criterion.failing_pages) == len(grid.sample),
                }
                for criterion in grid.failing
            ],
        },
    )


def site_map(request: HttpRequest) -> HttpResponse:
    """The site map (RGAA 12.1): every public page and the door of each space, linked from the
    footer of every page."""
    return render(request, "public/pages/site_map.html")
