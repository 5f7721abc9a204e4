"""The back office's affiliation pages: the filtered list, the evidence on an organisation's
page, the actions of a gestionnaire (refused with a French message when the state forbids
them), and who may see and do what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import Role
from passplus.audit.models import AuditEvent, record
from passplus.conventions.models import OneTimeCode
from passplus.organisations.enums import BankAccountStatus, LegalForm, OrganisationStatus
from passplus.organisations.models import BankAccount, IdentificationForm, Organisation
from tests import factories
from tests.affiliation import PDF_BYTES
from tests.helpers import assert_unchanged, audit_trail, db_row, parse_html, text_of

pytestmark = pytest.mark.django_db

LIST = reverse("backoffice:organisations")
SHA = "3f" * 32


def login(client: Client, role: str = Role.GESTIONNAIRE) -> Any:
    traits = {
        Role.ORGANISATION: {"organisation_member": True},
        Role.CORRESPONDENT: {"correspondent": True},
        Role.FAMILY: {},
        Role.GESTIONNAIRE: {"gestionnaire": True},
        Role.FINANCE: {"finance": True},
        Role.ADMIN: {"admin": True},
    }[role]
    user = factories.UserFactory(**traits)
    client.force_login(user)
    return user


def commercial(**extra: Any) -> Organisation:
    values = {
        "legal_form": LegalForm.COMPANY,
        "is_non_profit": False,
        "rna": "",
        "eligibility_justification": "Stages de théâtre liés au programme de français.",
        **extra,
    }
    return factories.OrganisationFactory(**values)


def listed_names(client: Client, **params: Any) -> list[str]:
    page = parse_html(client.get(LIST, params))
    return [text_of(row, "td a") for row in page.select("tbody tr")]


def messages_of(response: Any) -> list[str]:
    shown = parse_html(response).select(".messages .message")
    return [" ".join(message.get_text().split()) for message in shown]


def detail_url(organisation: Organisation) -> str:
    return reverse("backoffice:organisation", args=[organisation.pk])


# The list ------------------------------------------------------------------------------------


def test_the_state_filter_keeps_only_that_state(client: Client) -> None:
    login(client)
    affiliated = factories.OrganisationFactory(legal_name="Judo affilié")
    suspended = factories.OrganisationFactory(legal_name="Judo suspendu", suspended=True)

    assert listed_names(client, status="suspended") == [suspended.legal_name]
    assert listed_names(client) == [affiliated.legal_name, suspended.legal_name]


def test_the_commune_filter_keeps_only_that_commune(client: Client) -> None:
    login(client)
    nanterre = factories.OrganisationFactory(commune=factories.commune("92050"))
    factories.OrganisationFactory(commune=factories.commune("92002"))

    assert listed_names(client, commune="92050") == [nanterre.legal_name]


@pytest.mark.parametrize("text", ["escrime", "732 829 320 00074", "w921112223"])
def test_the_text_filter_searches_name_siret_and_rna(client: Client, text: str) -> None:
    login(client)
    wanted = factories.OrganisationFactory(
        legal_name="Cercle d'Escrime", siret="73282932000074", rna="W921112223"
    )
    factories.OrganisationFactory(legal_name="Judo Club")

    assert listed_names(client, q=text) == [wanted.legal_name]


def test_the_eligibility_filter_keeps_unreviewed_commercial_organisations(client: Client) -> None:
    user = login(client)
    to_check = commercial(legal_name="Théâtre SARL")
    commercial(eligibility_reviewed_at=timezone.now(), eligibility_reviewed_by=user)
    factories.OrganisationFactory()

    assert listed_names(client, eligibility="on") == [to_check.legal_name]


def test_the_bank_filter_keeps_organisations_with_a_pending_account(client: Client) -> None:
    login(client)
    waiting = factories.BankAccountFactory(pending=True).organisation
    factories.BankAccountFactory(validated=True)
    factories.OrganisationFactory()

    page = parse_html(client.get(LIST, {"bank": "on"}))

    assert [text_of(row, "td a") for row in page.select("tbody tr")] == [waiting.legal_name]
    assert "Coordonnées bancaires" in text_of(page, "tbody tr td:last-child")


def test_counts_per_state_use_the_other_filters_and_link_with_them(client: Client) -> None:
    login(client)
    factories.OrganisationFactory(commune=factories.commune("92050"))
    factories.OrganisationFactory(commune=factories.commune("92050"), suspended=True)
    factories.OrganisationFactory(commune=factories.commune("92002"), suspended=True)

    page = parse_html(client.get(LIST, {"commune": "92050", "status": "affiliated"}))

    counts = [" ".join(li.get_text().split()) for li in page.select("ul.steps li")]
    assert "Tous les états (2)" in counts
    assert "Suspendu (1)" in counts
    link = next(a for a in page.select("ul.steps a") if a.get_text().startswith("Suspendu"))
    assert "commune=92050" in link["href"] and "status=suspended" in link["href"]


def test_the_list_is_paginated_by_fifty_and_pages_keep_the_filters(client: Client) -> None:
    login(client)
    for number in range(51):
        factories.OrganisationFactory(legal_name=f"Club {number:02d}")

    page = parse_html(client.get(LIST, {"q": "club"}))

    assert len(page.select("tbody tr")) == 50
    next_link = page.select_one("nav[aria-label=Pagination] a")
    assert next_link is not None and "q=club" in next_link["href"]
    assert len(parse_html(client.get(LIST + next_link["href"])).select("tbody tr")) == 1


def test_a_wrong_filter_value_is_explained_not_a_500(client: Client) -> None:
    login(client)
    factories.OrganisationFactory()

    response = client.get(LIST, {"status": "inconnu", "commune": "00000"})

    assert response.status_code == 200
    errors = parse_html(response).select(".errorlist li")
    assert [error.get_text() for error in errors] == [
        "Cet état est inconnu.",
        "Cette commune est inconnue.",
    ]


def _organisation_with_everything() -> None:
    organisation = commercial()
    factories.BankAccountFactory(organisation=organisation, pending=True)
    factories.ConventionFactory(organisation=organisation, signed=True)


def test_the_list_runs_the_same_queries_for_few_or_many_organisations(client: Client) -> None:
    login(client)
    _organisation_with_everything()
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _ in range(10):
        _organisation_with_everything()
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)

    assert len(many) == len(few)


# The organisation's page ---------------------------------------------------------------------


def test_the_page_shows_identity_eligibility_and_signature_evidence(client: Client) -> None:
    login(client, Role.FINANCE)
    organisation = commercial(legal_name="Théâtre des Lilas SARL", siret="73282932000074")
    identification = IdentificationForm.objects.create(
        organisation=organisation,
        registered_by=factories.UserFactory(correspondent=True, first_name="Corentin"),
        contact_name="Jeanne Martin",
        contact_email="jeanne.martin@lilas.example.fr",
    )
    convention = factories.ConventionFactory(organisation=organisation, signed=True)
    convention.signed_pdf.save("convention.pdf", ContentFile(PDF_BYTES))
    signature = factories.SignatureRequestFactory(
        convention=convention,
        signed=True,
        signed_ip="203.0.113.7",
        signed_user_agent="Mozilla/5.0 (Android 14) Firefox/128",
        document_sha256=SHA,
    )
    OneTimeCode.objects.create(
        request=signature, code_hash="x", expires_at=timezone.now(), used_at=timezone.now()
    )
    account = factories.BankAccountFactory(organisation=organisation, pending=True)
    account.rib_document.save("rib.pdf", ContentFile(PDF_BYTES))
    member = factories.UserFactory(organisation_member=True, organisation=organisation)

    page = parse_html(client.get(detail_url(organisation)))
    text = " ".join(page.get_text(" ").split())

    assert "Théâtre des Lilas SARL" in text and "73282932000074" in text
    assert "Secteur marchand : justification à vérifier" in text
    assert organisation.eligibility_justification in text
    assert identification.contact_email in text
    assert "+33 6 •• •• •• 78" in text
    assert "203.0.113.7" in text and "Mozilla/5.0 (Android 14) Firefox/128" in text
    assert SHA in text
    assert account.masked_iban in text and account.iban not in text
    assert member.email in text
    links = {a["href"] for a in page.select("a")}
    assert reverse("backoffice:convention_pdf", args=[organisation.pk, convention.pk]) in links
    assert reverse("backoffice:bank_account_rib", args=[organisation.pk, account.pk]) in links
    # A finance user reads everything but is offered no action.
    assert page.select("main form") == []


def test_the_journal_lists_the_organisation_events_latest_first(client: Client) -> None:
    user = login(client)
    organisation = factories.OrganisationFactory()
    organisation.suspend(actor=user, reason="Contrôle en cours")
    organisation.reactivate(actor=user)
    account = factories.BankAccountFactory(organisation=organisation)
    record(actor=user, action="bank_account.confirm", obj=account)
    record(actor=user, action="organisation.suspend", obj=factories.OrganisationFactory())

    page = parse_html(client.get(detail_url(organisation)))

    rows = page.select("#journal ~ tbody tr")
    actions = [row.select("td")[2].get_text() for row in rows]
    assert actions == [
        "Coordonnées bancaires confirmées par SMS",
        "Réactivation",
        "Suspension",
    ]
    assert "Contrôle en cours" in rows[2].get_text() and user.email in rows[2].get_text()


def test_a_gestionnaire_is_offered_the_actions_of_the_state(client: Client) -> None:
    login(client)
    organisation = commercial()
    factories.BankAccountFactory(organisation=organisation, pending=True)

    page = parse_html(client.get(detail_url(organisation)))

    buttons = [" ".join(b.get_text().split()) for b in page.select("main form button")]
    assert "Suspendre" in buttons and "Résilier" in buttons and "Réactiver" not in buttons
    assert "Marquer la justification comme vérifiée" in buttons
    assert any(b.startswith("Valider") for b in buttons)
    assert any(b.startswith("Refuser") for b in buttons)


# Actions -------------------------------------------------------------------------------------


def post(client: Client, name: str, organisation: Organisation, *args: Any, **data: Any) -> Any:
    url = reverse(f"backoffice:{name}", args=[organisation.pk, *args])
    return client.post(url, data, follow=True)


@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.ADMIN])
def test_suspending_records_the_actor_and_the_reason(client: Client, role: str) -> None:
    user = login(client, role)
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
    user = login(client)
    organisation = factories.OrganisationFactory(suspended=True)

    response = post(client, "organisation_reactivate", organisation, reason="")

    organisation.refresh_from_db()
    assert organisation.status == OrganisationStatus.AFFILIATED
    assert audit_trail(organisation) == [("organisation.reactivate", user.pk)]
    assert "de nouveau affilié" in messages_of(response)[0]


def test_terminating_records_the_actor_and_the_reason(client: Client) -> None:
    user = login(client)
    organisation = factories.OrganisationFactory(suspended=True)

    response = post(client, "organisation_terminate", organisation, reason="Fin d'activité")

    organisation.refresh_from_db()
    assert organisation.status == OrganisationStatus.TERMINATED
    assert organisation.status_reason == "Fin d'activité"
    assert audit_trail(organisation) == [("organisation.terminate", user.pk)]
    assert "est résiliée" in messages_of(response)[0]


def test_validating_a_pending_account_replaces_the_previous_one(client: Client) -> None:
    user = login(client)
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
    user = login(client)
    account = factories.BankAccountFactory(pending=True)

    response = post(
        client, "bank_account_reject", account.organisation, account.pk, reason="RIB illisible"
    )

    account.refresh_from_db()
    assert (account.status, account.status_reason) == (BankAccountStatus.REJECTED, "RIB illisible")
    assert audit_trail(account) == [("bank_account.reject", user.pk)]
    assert "refusées" in messages_of(response)[0]


def test_marking_the_eligibility_checked_records_who_and_when(client: Client) -> None:
    user = login(client)
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
            {"reason": "Doublon"},
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
    user = login(client)
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
    login(client)
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
    user = login(client)
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
    login(client)
    organisation = factories.OrganisationFactory()

    with assert_unchanged(organisation):
        response = post(client, name, organisation, reason=reason)

    assert messages_of(response) == ["Indiquez le motif."]


def test_rejecting_bank_details_without_a_reason_changes_nothing(client: Client) -> None:
    login(client)
    account = factories.BankAccountFactory(pending=True)

    with assert_unchanged(account):
        response = post(client, "bank_account_reject", account.organisation, account.pk)

    assert messages_of(response) == ["Indiquez le motif."]


def test_an_action_on_another_organisations_bank_account_is_not_found(client: Client) -> None:
    login(client)
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
    login(client, role)
    organisation = commercial()
    account = factories.BankAccountFactory(organisation=organisation, pending=True)

    for url in _action_urls(organisation, account):
        with assert_unchanged(organisation, account):
            response = client.post(url, {"reason": "Essai"})
        assert response.status_code == 403, url


def test_an_anonymous_visitor_cannot_act(client: Client) -> None:
    organisation = factories.OrganisationFactory()
    account = factories.BankAccountFactory(organisation=organisation, pending=True)

    for url in _action_urls(organisation, account):
        with assert_unchanged(organisation, account):
            response = client.post(url, {"reason": "Essai"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_actions_answer_only_post(client: Client) -> None:
    login(client)
    organisation = factories.OrganisationFactory()

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
    login(client, role)
    for url in _page_urls():
        assert client.get(url).status_code == 403, url


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client) -> None:
    for url in _page_urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", [Role.GESTIONNAIRE, Role.FINANCE, Role.ADMIN])
def test_every_staff_role_sees_the_pages(client: Client, role: str) -> None:
    login(client, role)
    for url in _page_urls():
        assert client.get(url).status_code == 200, url


# Documents -----------------------------------------------------------------------------------


def test_the_signed_convention_downloads_as_a_pdf(client: Client) -> None:
    login(client, Role.FINANCE)
    convention = factories.ConventionFactory(signed=True)
    convention.signed_pdf.save("convention.pdf", ContentFile(PDF_BYTES))

    response = client.get(
        reverse("backoffice:convention_pdf", args=[convention.organisation_id, convention.pk])
    )

    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_a_convention_through_another_organisation_is_not_found(client: Client) -> None:
    login(client)
    convention = factories.ConventionFactory(signed=True)
    convention.signed_pdf.save("convention.pdf", ContentFile(PDF_BYTES))
    other = factories.OrganisationFactory()

    url = reverse("backoffice:convention_pdf", args=[other.pk, convention.pk])

    assert client.get(url).status_code == 404


def test_a_convention_without_a_signed_pdf_is_not_found(client: Client) -> None:
    login(client)
    convention = factories.ConventionFactory(accepted=True)

    url = reverse("backoffice:convention_pdf", args=[convention.organisation_id, convention.pk])

    assert client.get(url).status_code == 404


def test_a_rib_through_another_organisation_is_not_found(client: Client) -> None:
    login(client)
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
    login(client)

    page = parse_html(client.get(reverse("backoffice:home")))

    assert LIST in [a["href"] for a in page.select("main a")]
