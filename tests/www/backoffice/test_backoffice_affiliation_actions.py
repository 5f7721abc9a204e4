"""Back office: actions on an organisation (lifecycle, bank details, eligibility), who may
do them, and the documents behind a role check."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import Role
from passplus.audit.models import AuditEvent
from passplus.organisations.enums import BankAccountStatus, OrganisationStatus
from passplus.organisations.models import BankAccount, Organisation
from tests.helpers import factories
from tests.helpers.accounts import log_in_new_user
from tests.helpers.affiliation import PDF_BYTES
from tests.helpers.backoffice import CONFIRMED, commercial, detail_url, messages_of
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.pages import parse_html

pytestmark = pytest.mark.django_db

LIST = reverse("backoffice:organisations")


# Actions -------------------------------------------------------------------------------------


def post(client: Client, name: str, organisation: Organisation, *args: Any, **data: Any) -> Any:
    url = reverse(f"backoffice:{name}", args=[organisation.pk, *args])
    return client.post(url, data, follow=True)


@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.ADMIN])
def test_suspending_records_the_actor_and_the_reason(client: Client, role: str) -> None:
    user = log_in_new_user(client, role)
    organisation = factories.OrganisationFactory()

    response = post(client, "organisation_suspend", organisation, reason="Contrôle en cours")

    organisation.refresh_from_db()
    assert organisation.status == OrganisationStatus.SUSPENDED
    assert organisation.status_reason == "Contrôle en cours"
    assert audit_trail(organisation) == [("organisation.suspend", user.pk)]
    assert AuditEvent.objects.for_object(organisation).get().reason == "Contrôle en cours"
    assert response.redirect_chain[-1][0] == detail_url(organisation)
    assert "est suspendu" in messages_of(response)[0]


def test_reactivating_a_suspended_organisation(client: Client) -> None:
    user = log_in_new_user(client)
    organisation = factories.OrganisationFactory(suspended=True)

    response = post(client, "organisation_reactivate", organisation, reason="")

    organisation.refresh_from_db()
    assert organisation.status == OrganisationStatus.AFFILIATED
    assert audit_trail(organisation) == [("organisation.reactivate", user.pk)]
    assert "de nouveau affilié" in messages_of(response)[0]


def test_terminating_records_the_actor_and_the_reason(client: Client) -> None:
    user = log_in_new_user(client)
    organisation = factories.OrganisationFactory(suspended=True)

    response = post(
        client, "organisation_terminate", organisation, reason="Fin d'activité", **CONFIRMED
    )

    organisation.refresh_from_db()
    assert organisation.status == OrganisationStatus.TERMINATED
    assert organisation.status_reason == "Fin d'activité"
    assert audit_trail(organisation) == [("organisation.terminate", user.pk)]
    assert "est résiliée" in messages_of(response)[0]


def test_validating_a_pending_account_replaces_the_previous_one(client: Client) -> None:
    user = log_in_new_user(client)
    old = factories.BankAccountFactory(validated=True)
    new = factories.BankAccountFactory(
        organisation=old.organisation, pending=True, entered_by=factories.UserFactory()
    )

    response = post(client, "bank_account_validate", old.organisation, new.pk)

    new.refresh_from_db()
    old.refresh_from_db()
    assert (new.status, new.reviewed_by) == (BankAccountStatus.VALIDATED, user)
    assert old.status == BankAccountStatus.REPLACED
    assert audit_trail(new) == [("bank_account.validate", user.pk)]
    assert "validées" in messages_of(response)[0]


def test_rejecting_a_pending_account_records_the_reason(client: Client) -> None:
    user = log_in_new_user(client)
    account = factories.BankAccountFactory(pending=True)

    response = post(
        client, "bank_account_reject", account.organisation, account.pk, reason="RIB illisible"
    )

    account.refresh_from_db()
    assert (account.status, account.status_reason) == (BankAccountStatus.REJECTED, "RIB illisible")
    assert audit_trail(account) == [("bank_account.reject", user.pk)]
    assert "refusées" in messages_of(response)[0]


def test_marking_the_eligibility_checked_records_who_and_when(client: Client) -> None:
    user = log_in_new_user(client)
    organisation = commercial()

    response = post(client, "organisation_review_eligibility", organisation)

    organisation.refresh_from_db()
    assert organisation.eligibility_reviewed_by == user
    assert organisation.eligibility_reviewed_at is not None
    assert not organisation.needs_eligibility_review
    assert audit_trail(organisation) == [("organisation.review_eligibility", user.pk)]
    assert "vérifiée" in messages_of(response)[0]
    assert "Secteur marchand : justification à vérifier" not in parse_html(response).get_text()


def _forbidden_cases() -> dict[str, Any]:
    """name -> (build the object(s), url name, extra url args, data, expected message)."""
    return {
        "suspend a suspended organisation": (
            lambda user: factories.OrganisationFactory(suspended=True),
            "organisation_suspend",
            {"reason": "Contrôle"},
            "Action impossible : « Suspendu » ne peut pas devenir « Suspendu ».",
        ),
        "suspend an organisation still signing": (
            lambda user: factories.OrganisationFactory(signing=True),
            "organisation_suspend",
            {"reason": "Contrôle"},
            "Action impossible : « En cours de signature » ne peut pas devenir « Suspendu ».",
        ),
        "reactivate an affiliated organisation": (
            lambda user: factories.OrganisationFactory(),
            "organisation_reactivate",
            {"reason": ""},
            "Action impossible : « Affilié » ne peut pas devenir « Affilié ».",
        ),
        "terminate a terminated organisation": (
            lambda user: factories.OrganisationFactory(terminated=True),
            "organisation_terminate",
            {"reason": "Doublon", **CONFIRMED},
            "Action impossible : « Résilié » ne peut pas devenir « Résilié ».",
        ),
        "review a non-profit organisation": (
            lambda user: factories.OrganisationFactory(),
            "organisation_review_eligibility",
            {},
            "Cet organisme est à but non lucratif : il n'a pas de justification à vérifier.",
        ),
        "review twice": (
            lambda user: commercial(
                eligibility_reviewed_at=timezone.make_aware(dt.datetime(2026, 3, 2, 10)),
                eligibility_reviewed_by=user,
            ),
            "organisation_review_eligibility",
            {},
            "La justification a déjà été vérifiée le 02/03/2026.",
        ),
        "review before any justification": (
            lambda user: commercial(eligibility_justification=""),
            "organisation_review_eligibility",
            {},
            "L'organisme n'a pas encore saisi de justification.",
        ),
    }


@pytest.mark.parametrize("case", list(_forbidden_cases()))
def test_a_forbidden_organisation_action_explains_and_changes_nothing(
    client: Client, case: str
) -> None:
    user = log_in_new_user(client)
    build, name, data, message = _forbidden_cases()[case]
    organisation = build(user)

    with assert_unchanged(organisation):
        response = post(client, name, organisation, **data)

    assert response.status_code == 200
    assert messages_of(response) == [message]


@pytest.mark.parametrize(
    ("status", "name", "data", "message"),
    [
        (
            BankAccountStatus.REJECTED,
            "bank_account_validate",
            {},
            "Action impossible : « Refusé » ne peut pas devenir « Validé ».",
        ),
        (
            BankAccountStatus.VALIDATED,
            "bank_account_reject",
            {"reason": "RIB illisible"},
            "Action impossible : « Validé » ne peut pas devenir « Refusé ».",
        ),
        (
            BankAccountStatus.DRAFT,
            "bank_account_validate",
            {},
            "Action impossible : « À confirmer par SMS » ne peut pas devenir « Validé ».",
        ),
    ],
)
def test_a_forbidden_bank_account_action_explains_and_changes_nothing(
    client: Client, status: str, name: str, data: dict[str, str], message: str
) -> None:
    log_in_new_user(client)
    account = factories.BankAccountFactory(status=status)
    # Beside it, a validated account (which a validation would replace) or an old one.
    other = factories.BankAccountFactory(
        organisation=account.organisation,
        status=BankAccountStatus.REPLACED
        if status == BankAccountStatus.VALIDATED
        else BankAccountStatus.VALIDATED,
    )

    with assert_unchanged(account, other, account.organisation):
        response = post(client, name, account.organisation, account.pk, **data)

    assert messages_of(response) == [message]


def test_the_person_who_entered_bank_details_cannot_validate_them(client: Client) -> None:
    user = log_in_new_user(client)
    account = factories.BankAccountFactory(pending=True, entered_by=user)

    with assert_unchanged(account):
        response = post(client, "bank_account_validate", account.organisation, account.pk)

    assert messages_of(response) == [
        "Les coordonnées bancaires doivent être validées par une autre personne "
        "que celle qui les a saisies."
    ]


@pytest.mark.parametrize("reason", ["", "   "])
@pytest.mark.parametrize("name", ["organisation_suspend", "organisation_terminate"])
def test_a_missing_reason_is_asked_for_and_nothing_changes(
    client: Client, name: str, reason: str
) -> None:
    log_in_new_user(client)
    organisation = factories.OrganisationFactory()

    with assert_unchanged(organisation):
        response = post(client, name, organisation, reason=reason)

    assert messages_of(response) == ["Indiquez le motif."]


def test_rejecting_bank_details_without_a_reason_changes_nothing(client: Client) -> None:
    log_in_new_user(client)
    account = factories.BankAccountFactory(pending=True)

    with assert_unchanged(account):
        response = post(client, "bank_account_reject", account.organisation, account.pk)

    assert messages_of(response) == ["Indiquez le motif."]


def test_an_action_on_another_organisations_bank_account_is_not_found(client: Client) -> None:
    log_in_new_user(client)
    account = factories.BankAccountFactory(pending=True)
    other = factories.OrganisationFactory()

    with assert_unchanged(account):
        response = post(client, "bank_account_validate", other, account.pk)

    assert response.status_code == 404


# Who may see and do what ---------------------------------------------------------------------


def _action_urls(organisation: Organisation, account: BankAccount) -> list[str]:
    org, acc = [organisation.pk], [organisation.pk, account.pk]
    return [
        reverse("backoffice:organisation_suspend", args=org),
        reverse("backoffice:organisation_reactivate", args=org),
        reverse("backoffice:organisation_terminate", args=org),
        reverse("backoffice:organisation_review_eligibility", args=org),
        reverse("backoffice:bank_account_validate", args=acc),
        reverse("backoffice:bank_account_reject", args=acc),
    ]


@pytest.mark.parametrize("role", [Role.FINANCE, Role.CORRESPONDENT, Role.ORGANISATION, Role.FAMILY])
def test_only_a_gestionnaire_or_an_admin_may_act(client: Client, role: str) -> None:
    log_in_new_user(client, role)
    organisation = commercial()
    account = factories.BankAccountFactory(organisation=organisation, pending=True)

    statuses = []
    for url in _action_urls(organisation, account):
        with assert_unchanged(organisation, account):
            statuses.append(client.post(url, {"reason": "Essai"}).status_code)

    assert statuses == [403] * 6


def test_an_anonymous_visitor_cannot_act(client: Client) -> None:
    organisation = factories.OrganisationFactory()
    account = factories.BankAccountFactory(organisation=organisation, pending=True)

    answers = []
    for url in _action_urls(organisation, account):
        with assert_unchanged(organisation, account):
            response = client.post(url, {"reason": "Essai"})
        answers.append((response.status_code, response["Location"].split("?")[0]))

    assert answers == [(302, reverse("accounts:login"))] * 6


def test_actions_answer_only_post(client: Client) -> None:
    log_in_new_user(client)
    organisation = factories.OrganisationFactory()

    with assert_unchanged(organisation):
        response = client.get(reverse("backoffice:organisation_suspend", args=[organisation.pk]))

    assert response.status_code == 405
    assert db_row(organisation)["status"] == OrganisationStatus.AFFILIATED


def _page_urls() -> list[str]:
    organisation = factories.OrganisationFactory()
    convention = factories.ConventionFactory(organisation=organisation, signed=True)
    convention.signed_pdf.save("convention.pdf", ContentFile(PDF_BYTES))
    account = factories.BankAccountFactory(organisation=organisation, pending=True)
    account.rib_document.save("rib.pdf", ContentFile(PDF_BYTES))
    return [
        LIST,
        detail_url(organisation),
        reverse("backoffice:convention_pdf", args=[organisation.pk, convention.pk]),
        reverse("backoffice:bank_account_rib", args=[organisation.pk, account.pk]),
    ]


@pytest.mark.parametrize("role", [Role.CORRESPONDENT, Role.ORGANISATION, Role.FAMILY])
def test_other_roles_cannot_see_the_pages(client: Client, role: str) -> None:
    log_in_new_user(client, role)

    assert [client.get(url).status_code for url in _page_urls()] == [403] * 4


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client) -> None:
    responses = [client.get(url) for url in _page_urls()]

    answers = [(response.status_code, response["Location"].split("?")[0]) for response in responses]
    assert answers == [(302, reverse("accounts:login"))] * 4


@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.FINANCE, Role.ADMIN])
def test_every_staff_role_sees_the_pages(client: Client, role: str) -> None:
    log_in_new_user(client, role)

    assert [client.get(url).status_code for url in _page_urls()] == [200] * 4


# Documents -----------------------------------------------------------------------------------


def test_the_signed_convention_downloads_as_a_pdf(client: Client) -> None:
    log_in_new_user(client, Role.FINANCE)
    convention = factories.ConventionFactory(signed=True)
    convention.signed_pdf.save("convention.pdf", ContentFile(PDF_BYTES))

    response = client.get(
        reverse("backoffice:convention_pdf", args=[convention.organisation_id, convention.pk])
    )

    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_a_convention_through_another_organisation_is_not_found(client: Client) -> None:
    log_in_new_user(client)
    convention = factories.ConventionFactory(signed=True)
    convention.signed_pdf.save("convention.pdf", ContentFile(PDF_BYTES))
    other = factories.OrganisationFactory()

    url = reverse("backoffice:convention_pdf", args=[other.pk, convention.pk])

    assert client.get(url).status_code == 404


def test_a_convention_without_a_signed_pdf_is_not_found(client: Client) -> None:
    log_in_new_user(client)
    convention = factories.ConventionFactory(accepted=True)

    url = reverse("backoffice:convention_pdf", args=[convention.organisation_id, convention.pk])

    assert client.get(url).status_code == 404


def test_a_rib_through_another_organisation_is_not_found(client: Client) -> None:
    log_in_new_user(client)
    account = factories.BankAccountFactory(pending=True)
    account.rib_document.save("rib.pdf", ContentFile(PDF_BYTES))
    other = factories.OrganisationFactory()

    url = reverse("backoffice:bank_account_rib", args=[other.pk, account.pk])

    assert client.get(url).status_code == 404
    response = client.get(
        reverse("backoffice:bank_account_rib", args=[account.organisation_id, account.pk])
    )
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_the_back_office_home_links_to_the_organisations(client: Client) -> None:
    factories.SchoolYearFactory()
    log_in_new_user(client)

    page = parse_html(client.get(reverse("backoffice:home")))

    # Through the back office's menu, in the header of every back-office page.
    assert LIST in [a["href"] for a in page.select("nav[aria-label='Pages de gestion'] a")]
