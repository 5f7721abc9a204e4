"""Campaign (school year) pages and wallet crediting: amounts typed in euros, stored in cents,
dates in order, split amounts required, roles; wallets credited and raised for scholarships."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from passplus.accounts.models import Role
from passplus.audit.models import AuditEvent
from passplus.campaigns.models import SchoolYear
from passplus.campaigns.services import school_year_save, school_year_snapshot
from passplus.core.enums import WalletDomain
from passplus.pupils.models import Wallet
from tests.helpers import factories
from tests.helpers.accounts import log_in_new_user
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db

LIST = reverse("backoffice:school_years")
CREATE = reverse("backoffice:school_year_create")


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "label": "2030-2031",
        "starts_on": "2030-09-01",
        "ends_on": "2031-08-31",
        "standard_cents": "80",
        "scholarship_cents": "100",
        "generation_deadline": "2031-05-31",
        "redemption_deadline": "2031-06-30",
    }
    data.update(overrides)
    return data


def field_errors(response: Any) -> dict[str, str]:
    soup = parse_html(response)
    errors = {}
    for block in soup.select(".form-row"):
        field = block.select_one("input, select")
        message = block.select_one(".errorlist")
        if field is not None and message is not None:
            errors[str(field["name"])] = " ".join(message.get_text(" ").split())
    return errors


def test_a_gestionnaire_creates_a_year_with_amounts_in_euros(client: Client) -> None:
    user = log_in_new_user(client)
    response = client.post(CREATE, form_data(standard_cents="80,50", scholarship_cents="100"))
    assert response.status_code == 302
    year = SchoolYear.objects.get(label="2030-2031")
    assert (year.standard_cents, year.scholarship_cents) == (8050, 10000)
    assert not year.split_domains and year.sport_standard_cents is None
    assert audit_trail(year) == [("school_year.create", user.pk)]


def test_the_new_year_form_proposes_80_and_100_euros(client: Client) -> None:
    log_in_new_user(client)
    soup = parse_html(client.get(CREATE))
    assert soup.select_one("#id_standard_cents")["value"] == "80,00"
    assert soup.select_one("#id_scholarship_cents")["value"] == "100,00"


def test_a_split_year_requires_the_four_amounts(client: Client) -> None:
    log_in_new_user(client)
    with assert_unchanged(counted=[SchoolYear]):
        response = client.post(CREATE, form_data(split_domains="on", sport_standard_cents="40"))
    errors = field_errors(response)
    assert set(errors) == {
        "sport_scholarship_cents",
        "culture_standard_cents",
        "culture_scholarship_cents",
    }
    assert "Obligatoire quand les crédits sont séparés" in errors["culture_standard_cents"]


def test_a_split_year_is_saved_with_its_four_amounts(client: Client) -> None:
    log_in_new_user(client)
    data = form_data(
        split_domains="on",
        sport_standard_cents="40",
        sport_scholarship_cents="50",
        culture_standard_cents="40",
        culture_scholarship_cents="50",
    )
    assert client.post(CREATE, data).status_code == 302
    year = SchoolYear.objects.get(label="2030-2031")
    assert year.allowances(scholarship=True) == {
        WalletDomain.SPORT: 5000,
        WalletDomain.CULTURE: 5000,
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_on": "2030-08-01"}, "ends_on", "La fin doit être après le début"),
        ({"generation_deadline": "2030-08-01"}, "generation_deadline", "après le début"),
        ({"generation_deadline": "2031-09-30"}, "generation_deadline", "avant la fin"),
        ({"redemption_deadline": "2031-05-01"}, "redemption_deadline", "ne peut pas précéder"),
        ({"redemption_deadline": "2033-01-01"}, "redemption_deadline", "plus d'un an"),
        ({"starts_on": "31/02/2030"}, "starts_on", "Date invalide"),
        ({"standard_cents": "quatre-vingts"}, "standard_cents", "Montant invalide"),
        ({"standard_cents": "0"}, "standard_cents", "supérieur à 0"),
        ({"standard_cents": "80,555"}, "standard_cents", "Montant invalide"),
        ({"scholarship_cents": "50"}, "scholarship_cents", "ne peut pas être inférieur"),
        ({"label": ""}, "label", "Ce champ est obligatoire"),
    ],
)
def test_bad_input_gets_a_french_message_on_its_field(
    client: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    log_in_new_user(client)
    with assert_unchanged(counted=[SchoolYear]):
        response = client.post(CREATE, form_data(**overrides))
    assert response.status_code == 200
    assert message in field_errors(response)[field]


def test_overlapping_years_and_duplicate_names_are_refused(client: Client) -> None:
    log_in_new_user(client)
    existing = factories.SchoolYearFactory(
        label="2030-2031",
        starts_on=dt.date(2031, 1, 1),
        ends_on=dt.date(2031, 12, 31),
    )
    with assert_unchanged(existing):
        response = client.post(CREATE, form_data())
    errors = field_errors(response)
    assert "Une année scolaire porte déjà ce nom" in errors["label"]
    assert "chevauchent l'année scolaire 2030-2031" in errors["starts_on"]


def test_editing_is_audited_and_the_split_is_frozen_once_wallets_exist(client: Client) -> None:
    user = log_in_new_user(client)
    wallet = factories.WalletFactory()
    year = wallet.school_year
    url = reverse("backoffice:school_year_edit", args=[year.pk])
    data = {
        **form_data(label=year.label),
        "starts_on": year.starts_on.isoformat(),
        "ends_on": year.ends_on.isoformat(),
        "generation_deadline": year.generation_deadline.isoformat(),
        "redemption_deadline": year.redemption_deadline.isoformat(),
        "standard_cents": "90",
        "split_domains": "on",
        "sport_standard_cents": "40",
        "sport_scholarship_cents": "50",
        "culture_standard_cents": "40",
        "culture_scholarship_cents": "50",
    }
    assert client.post(url, data).status_code == 302
    year.refresh_from_db()
    assert year.standard_cents == 9000
    assert not year.split_domains  # disabled field: the posted value is ignored
    assert audit_trail(year) == [("school_year.update", user.pk)]


@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.ADMIN])
def test_managers_may_edit(client: Client, role: str) -> None:
    log_in_new_user(client, role)
    assert client.get(CREATE).status_code == 200
    assert parse_html(client.get(LIST)).select_one(f'a[href="{CREATE}"]') is not None


def test_finance_reads_but_cannot_edit(client: Client) -> None:
    year = factories.SchoolYearFactory()
    log_in_new_user(client, Role.FINANCE)
    page = parse_html(client.get(LIST))
    assert year.label in page.get_text()
    assert page.select_one(f'a[href="{CREATE}"]') is None
    assert client.get(CREATE).status_code == 403
    edit = reverse("backoffice:school_year_edit", args=[year.pk])
    with assert_unchanged(year):
        assert client.post(edit, form_data()).status_code == 403


@pytest.mark.parametrize("role", [Role.ORGANISATION, Role.CORRESPONDENT, Role.FAMILY])
def test_other_roles_get_403(client: Client, role: str) -> None:
    log_in_new_user(client, role)
    assert client.get(LIST).status_code == 403
    with assert_unchanged(counted=[SchoolYear]):
        assert client.post(CREATE, form_data()).status_code == 403


# Wallet crediting -----------------------------------------------------------------------------


def test_opening_wallets_credits_the_configured_amount() -> None:
    year = factories.SchoolYearFactory()
    pupil = factories.PupilFactory()
    scholar = factories.PupilFactory(is_scholarship=True)
    assert [(w.domain, w.granted_cents) for w in pupil.open_wallets(year)] == [
        (WalletDomain.ALL, 8000)
    ]
    assert [w.granted_cents for w in scholar.open_wallets(year)] == [10000]
    pupil.open_wallets(year)  # idempotent
    assert Wallet.objects.filter(pupil=pupil).count() == 1


def test_a_split_year_opens_a_sport_and_a_culture_wallet() -> None:
    year = factories.SchoolYearFactory(label="split", split=True)
    wallets = factories.PupilFactory().open_wallets(year)
    assert sorted((w.domain, w.granted_cents) for w in wallets) == [
        (WalletDomain.CULTURE, 4000),
        (WalletDomain.SPORT, 4000),
    ]


def test_marking_a_scholarship_holder_raises_that_years_wallets_once() -> None:
    year = factories.SchoolYearFactory(label="split", split=True)
    other_year = factories.SchoolYearFactory(
        label="autre",
        starts_on=dt.date(2020, 9, 1),
        ends_on=dt.date(2021, 8, 31),
        generation_deadline=dt.date(2021, 5, 1),
        redemption_deadline=dt.date(2021, 6, 1),
    )
    staff = factories.UserFactory(gestionnaire=True)
    pupil = factories.PupilFactory()
    wallets = pupil.open_wallets(year)
    old = pupil.open_wallets(other_year)[0]
    factories.TicketFactory(wallet=wallets[0], amount_cents=4000, used=True)

    pupil.mark_scholarship(school_year=year, actor=staff)
    pupil.mark_scholarship(school_year=year, actor=staff)

    pupil.refresh_from_db()
    assert pupil.is_scholarship
    assert sorted(
        Wallet.objects.filter(school_year=year).values_list("domain", "granted_cents")
    ) == [(WalletDomain.CULTURE, 5000), (WalletDomain.SPORT, 5000)]
    assert Wallet.objects.get(pk=wallets[0].pk).remaining_cents() == 1000
    old.refresh_from_db()
    assert old.granted_cents == 8000  # another year is not touched
    assert audit_trail(pupil) == [("pupil.mark_scholarship", staff.pk)]
    assert audit_trail(wallets[0]) == [("wallet.raise_to_scholarship", staff.pk)]


def test_a_scholarship_never_lowers_a_credit() -> None:
    year = factories.SchoolYearFactory()
    wallet = factories.WalletFactory(school_year=year, granted_cents=12000)
    wallet.pupil.mark_scholarship(school_year=year, actor=None)
    wallet.refresh_from_db()
    assert wallet.granted_cents == 12000


# The service (passplus.campaigns.services.school_year_save) ------------------------------------


def test_the_service_audits_the_values_stored_before_the_edit() -> None:
    actor = factories.UserFactory(gestionnaire=True)
    year = factories.SchoolYearFactory(standard_cents=8000)
    stored = school_year_snapshot(year)
    year.standard_cents = 9000  # edited in memory, as a form does

    school_year_save(year=year, actor=actor)

    event = AuditEvent.objects.get(action="school_year.update")
    assert event.actor == actor and event.before == stored
    assert event.after["standard_cents"] == "9000"
    assert SchoolYear.objects.get(pk=year.pk).standard_cents == 9000


@pytest.mark.parametrize(
    "changes",
    [
        {"ends_on": dt.date(2020, 1, 1)},  # before the start
        {"standard_cents": 0},
        {"scholarship_cents": 100},  # below the standard credit
        {"split_domains": True, "sport_standard_cents": 0},
        {"label": ""},
    ],
)
def test_the_service_refuses_invalid_values_and_saves_nothing(changes: dict[str, Any]) -> None:
    actor = factories.UserFactory(gestionnaire=True)
    year = factories.SchoolYearFactory()
    edited = SchoolYear.objects.get(pk=year.pk)
    for name, value in changes.items():
        setattr(edited, name, value)
    with assert_unchanged(year), pytest.raises(ValidationError):
        school_year_save(year=edited, actor=actor)


def test_the_service_refuses_a_label_already_used_and_creates_nothing() -> None:
    actor = factories.UserFactory(gestionnaire=True)
    year = factories.SchoolYearFactory()
    twin = SchoolYear(**{**model_to_dict(year, exclude=["id"]), "label": year.label})
    with assert_unchanged(year), pytest.raises(ValidationError):
        school_year_save(year=twin, actor=actor)
