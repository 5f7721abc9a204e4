"""Issue 33 §4: outside the back office a school year is an « année scolaire », never a
« campagne » (the word stays for payment runs: « campagne de remboursement »). The messages
that name a school year say « année scolaire » wherever they are read: a family creating a
ticket, a partner entering one, the public help, the back office's school-year form, the pupil
import, the journal, the scheduled jobs and the retention command."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.audit.labels import ACTION_LABELS
from passplus.audit.presentation import object_type_label
from passplus.campaigns.models import SchoolYear
from passplus.core.errors import DomainError
from passplus.pupils.models import Wallet
from passplus.scheduling.jobs import JOBS
from passplus.tickets.expiry import EXPIRY_REASON
from passplus.tickets.models import Ticket
from passplus.tickets.services import redemption_enter
from passplus.www.backoffice.pupil_forms import SchoolYearForm
from passplus.www.family.forms import TicketForm
from passplus.www.partner.exports import ExportFilterForm
from tests.helpers.factories import (
    OrganisationFactory,
    SchoolYearFactory,
    TicketFactory,
    UserFactory,
    WalletFactory,
)
from tests.helpers.pages import parse_html, text_of

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PAGES = sorted([*(TEMPLATES / "public").rglob("*.html"), *(TEMPLATES / "family").rglob("*.html")])
CAMPAGNE = re.compile(r"campagnes?(?! de remboursement)", re.IGNORECASE)
# In the back office and in messages « campagne » is said of payment runs only.
LONE_CAMPAGNE = re.compile(r"\bcampagnes?\b(?! (?:de remboursement|exceptionnelle))", re.I)
LABEL = "2026-2027"  # the factory's default label contains « campagne »


def test_the_public_and_family_templates_are_found() -> None:
    assert {path.name for path in PAGES} >= {"home.html", "rules.html", "ticket.html"}


@pytest.mark.parametrize("path", PAGES, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_a_school_year_is_called_annee_scolaire(path: Path) -> None:
    assert CAMPAGNE.findall(path.read_text(encoding="utf-8")) == []


def says_annee_scolaire(message: str, expected: str) -> None:
    assert expected in message
    assert LONE_CAMPAGNE.findall(message) == []


def closed_year(**deadlines: dt.date) -> SchoolYear:
    today = timezone.localdate()
    dates = {
        "starts_on": today - dt.timedelta(days=300),
        "generation_deadline": today - dt.timedelta(days=2),
        "redemption_deadline": today - dt.timedelta(days=1),
    }
    return SchoolYearFactory(label=LABEL, **{**dates, **deadlines})


@pytest.mark.django_db
def test_the_family_form_names_the_annee_scolaire_after_the_generation_deadline() -> None:
    wallet = WalletFactory(school_year=closed_year())
    form = TicketForm(
        data={"wallet": wallet.pk, "amount": "10"},
        wallets=Wallet.objects.filter(pk=wallet.pk).with_balance(),
    )

    assert not form.is_valid()
    # One credit: its field is hidden and the error is shown beside the amount.
    messages = " ".join(message for field in form.errors.values() for message in field)
    says_annee_scolaire(messages, f"Les tickets de l'année scolaire {LABEL} se créent du")


@pytest.mark.django_db
def test_a_ticket_issued_after_the_generation_deadline_names_the_annee_scolaire() -> None:
    wallet = WalletFactory(school_year=closed_year(), granted_cents=8000)

    with pytest.raises(DomainError) as refused:
        Ticket.issue(wallet=wallet, amount_cents=1000, actor=None)

    says_annee_scolaire(str(refused.value), f"Les tickets de l'année scolaire {LABEL} se créent")


@pytest.mark.django_db
def test_an_entry_after_the_redemption_deadline_names_the_annee_scolaire() -> None:
    ticket = TicketFactory(wallet=WalletFactory(school_year=closed_year()))
    organisation = OrganisationFactory()
    actor = UserFactory(organisation_member=True, organisation=organisation)

    with pytest.raises(DomainError) as refused:
        redemption_enter(ticket=ticket, organisation=organisation, actor=actor)

    says_annee_scolaire(
        str(refused.value), f"La saisie des tickets de l'année scolaire {LABEL} est close"
    )


@pytest.mark.django_db
def test_the_school_year_form_names_the_annee_scolaire_it_clashes_with() -> None:
    year = SchoolYearFactory(label=LABEL)
    form = SchoolYearForm(
        data={
            "label": LABEL,
            "starts_on": year.starts_on.strftime("%d/%m/%Y"),
            "ends_on": year.ends_on.strftime("%d/%m/%Y"),
        }
    )

    assert not form.is_valid()
    says_annee_scolaire(" ".join(form.errors["label"]), "Une année scolaire porte déjà ce nom.")
    says_annee_scolaire(
        " ".join(form.errors["starts_on"]), f"Ces dates chevauchent l'année scolaire {LABEL}."
    )


@pytest.mark.django_db
def test_the_families_help_explains_an_expired_ticket_with_the_annee_scolaire(
    client: Client,
) -> None:
    SchoolYearFactory(label=LABEL)
    text = text_of(parse_html(client.get(reverse("public:help_families"))), "main")

    says_annee_scolaire(text, "La date limite de saisie de l'année scolaire est passée")


@pytest.mark.django_db
def test_the_retention_command_counts_annees_scolaires() -> None:
    out = io.StringIO()
    call_command("anonymise_closed_school_years", stdout=out)

    says_annee_scolaire(out.getvalue(), "Aucune année scolaire concernée : rien à anonymiser.")


def test_the_journal_the_jobs_and_the_exports_say_annee_scolaire() -> None:
    assert object_type_label("campaigns.schoolyear") == "Année scolaire"
    assert ACTION_LABELS["school_year.create"] == "Année scolaire créée"
    assert ExportFilterForm().fields["school_year"].label == "Année scolaire"
    says_annee_scolaire(EXPIRY_REASON, "date limite de saisie de l'année scolaire passée")
    for job in JOBS:
        assert LONE_CAMPAGNE.findall(f"{job.label}. {job.purpose}") == [], job.name
    assert {job.name: job.label for job in JOBS}["retention"] == (
        "Anonymisation des années scolaires closes"
    )
