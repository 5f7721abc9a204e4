"""Organisations imported by the real import (apply_lines, from a checked generated file) in the
rest of the platform (issue 34): a payment run never pays an organisation whose imported bank
details are still pending, whether the previous system had validated them or not, until a
second staff person validates them; the importer cannot (model and page); then the next run
pays. They are in the public directory (public details only) and in the dashboards' count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.accounts.models import User
from passplus.core.errors import DomainError
from passplus.organisations.enums import BankAccountStatus
from passplus.organisations.models import BankAccount, ImportedOrganisation, Organisation
from passplus.organisations.switch_over.applying import apply_lines
from passplus.organisations.switch_over.checking import check_file
from passplus.payments.build import payment_run_build
from passplus.payments.models import Payment
from passplus.tickets.models import Redemption, RedemptionStatus
from tests.helpers import factories
from tests.helpers.backoffice import detail_url, messages_of
from tests.helpers.dashboards import figure
from tests.helpers.database import assert_unchanged
from tests.helpers.pages import parse_html
from tests.helpers.payments import CUT_OFF, entries, paid_organisations
from tests.helpers.switch_over import organisation_csv, organisation_row

pytestmark = pytest.mark.django_db

# Line 2 says the previous system had validated its bank details, line 3 says not.
PREVIOUSLY_VALIDATED, NOT_VALIDATED = 2, 3


def imported(importer: User, lines: int = 2) -> dict[int, Organisation]:
    """The file's organisations as the import leaves them, by file line."""
    result = check_file(organisation_csv(lines), archive=None)
    assert not result.errors
    apply_lines(result.valid, source=None, sha256="cd" * 32, archive=None, actor=importer)
    return {
        row.line: row.organisation
        for row in ImportedOrganisation.objects.select_related("organisation")
    }


def waiting(organisation: Organisation) -> int:
    return Redemption.objects.filter(
        organisation=organisation, status=RedemptionStatus.ENTERED, payment=None
    ).count()


def validate_url(account: BankAccount) -> str:
    return reverse("backoffice:bank_account_validate", args=[account.organisation_id, account.pk])


def test_imported_bank_details_are_paid_only_after_a_second_person_validates_them(
    client: Client,
) -> None:
    assert organisation_row(PREVIOUSLY_VALIDATED)["bank_validated"] == "oui"
    assert organisation_row(NOT_VALIDATED)["bank_validated"] == "non"
    importer = factories.UserFactory(gestionnaire=True)
    organisations = imported(importer)
    accounts = {line: BankAccount.objects.get(organisation=o) for line, o in organisations.items()}
    assert accounts[PREVIOUSLY_VALIDATED].previously_validated
    assert not accounts[NOT_VALIDATED].previously_validated
    assert {a.status for a in accounts.values()} == {BankAccountStatus.PENDING}
    for organisation in organisations.values():
        entries(organisation, 3)
    [already_paid] = paid_organisations(1, 2)

    # A run: the organisation with validated details is paid, the imported ones wait.
    first = payment_run_build(cut_off=CUT_OFF)
    assert list(Payment.objects.filter(run=first).values_list("organisation", flat=True)) == [
        already_paid.pk
    ]
    assert [waiting(o) for o in organisations.values()] == [3, 3]

    # The importer cannot validate them: not through the model, not through the page.
    for account in accounts.values():
        with assert_unchanged(account), pytest.raises(DomainError, match="une autre personne"):
            account.validate(actor=importer)
    client.force_login(importer)
    for organisation, account in zip(organisations.values(), accounts.values(), strict=True):
        page = parse_html(client.get(detail_url(organisation)))
        assert page.select(f'form[action="{validate_url(account)}"]') == []
        with assert_unchanged(account):
            refused = client.post(validate_url(account), follow=True)
        assert messages_of(refused) == [
            "Les coordonnées bancaires doivent être validées par une autre personne "
            "que celle qui les a saisies."
        ]

    # A second person validates one of them: the next run pays it, the other still waits.
    second = factories.UserFactory(gestionnaire=True)
    client.force_login(second)
    client.post(validate_url(accounts[PREVIOUSLY_VALIDATED]))
    accounts[PREVIOUSLY_VALIDATED].refresh_from_db()
    assert accounts[PREVIOUSLY_VALIDATED].status == BankAccountStatus.VALIDATED
    assert accounts[PREVIOUSLY_VALIDATED].reviewed_by == second

    later = payment_run_build(cut_off=CUT_OFF + dt.timedelta(days=15))
    payment = Payment.objects.get(run=later)
    assert payment.organisation == organisations[PREVIOUSLY_VALIDATED]
    assert payment.ticket_count == 3
    assert waiting(organisations[PREVIOUSLY_VALIDATED]) == 0
    assert waiting(organisations[NOT_VALIDATED]) == 3

    # The details the previous system had not validated: the same second person's check.
    accounts[NOT_VALIDATED].validate(actor=second)
    third = payment_run_build(cut_off=CUT_OFF + dt.timedelta(days=30))
    assert Payment.objects.get(run=third).organisation == organisations[NOT_VALIDATED]


def test_imported_organisations_are_listed_in_the_directory_with_their_public_details(
    client: Client,
) -> None:
    organisations = imported(factories.UserFactory(gestionnaire=True), lines=4)

    response: Any = client.get(reverse("public:directory"))
    names = [" ".join(h.get_text().split()) for h in parse_html(response).select(".cards h2")]
    assert sorted(names) == sorted(o.public_name for o in organisations.values())

    line = 4  # a line with a public phone and no public e-mail
    row = organisation_row(line)
    assert row["public_phone"] and row["contact_email"]
    page: Any = client.get(reverse("public:organisation", args=[organisations[line].pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert organisations[line].public_name in text
    assert row["public_phone"] in " ".join(parse_html(page).get_text(" ").split())
    # Nothing private from the file: the contact, the representative, the bank details.
    for private in ("contact_email", "representative_email", "representative_mobile", "iban"):
        assert row[private] not in text, private
    assert row["iban"].replace(" ", "")[:14] not in text


def test_imported_organisations_are_counted_in_the_dashboard(client: Client) -> None:
    factories.SchoolYearFactory()
    factories.OrganisationFactory()  # one that registered through the platform
    imported(factories.UserFactory(gestionnaire=True), lines=3)
    client.force_login(factories.UserFactory(gestionnaire=True))

    soup = parse_html(client.get(reverse("backoffice:home")))

    assert figure(soup, "figure-affilies") == "4"
