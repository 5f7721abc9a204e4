"""Back office: the list of organisations and an organisation's page."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from passplus.accounts.models import Role
from passplus.audit.models import record
from passplus.organisations.models import IdentificationForm
from passplus.signatures.models import OneTimeCode
from tests.helpers import factories
from tests.helpers.accounts import log_in_new_user
from tests.helpers.affiliation import PDF_BYTES
from tests.helpers.backoffice import commercial, detail_url, listed_names
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

LIST = reverse("backoffice:organisations")
SHA = "3f" * 32


# The list ------------------------------------------------------------------------------------


def test_the_state_filter_keeps_only_that_state(client: Client) -> None:
    log_in_new_user(client)
    affiliated = factories.OrganisationFactory(legal_name="Judo affilié")
    suspended = factories.OrganisationFactory(legal_name="Judo suspendu", suspended=True)

    assert listed_names(client, status="suspended") == [suspended.legal_name]
    assert listed_names(client) == [affiliated.legal_name, suspended.legal_name]


def test_the_commune_filter_keeps_only_that_commune(client: Client) -> None:
    log_in_new_user(client)
    nanterre = factories.OrganisationFactory(commune=factories.commune("92050"))
    factories.OrganisationFactory(commune=factories.commune("92002"))

    assert listed_names(client, commune="92050") == [nanterre.legal_name]


@pytest.mark.parametrize("text", ["escrime", "732 829 320 00074", "w921112223"])
def test_the_text_filter_searches_name_siret_and_rna(client: Client, text: str) -> None:
    log_in_new_user(client)
    wanted = factories.OrganisationFactory(
        legal_name="Cercle d'Escrime", siret="73282932000074", rna="W921112223"
    )
    factories.OrganisationFactory(legal_name="Judo Club")

    assert listed_names(client, q=text) == [wanted.legal_name]


def test_the_eligibility_filter_keeps_unreviewed_commercial_organisations(client: Client) -> None:
    user = log_in_new_user(client)
    to_check = commercial(legal_name="Théâtre SARL")
    commercial(eligibility_reviewed_at=timezone.now(), eligibility_reviewed_by=user)
    factories.OrganisationFactory()

    assert listed_names(client, eligibility="on") == [to_check.legal_name]


def test_the_bank_filter_keeps_organisations_with_a_pending_account(client: Client) -> None:
    log_in_new_user(client)
    waiting = factories.BankAccountFactory(pending=True).organisation
    factories.BankAccountFactory(validated=True)
    factories.OrganisationFactory()

    page = parse_html(client.get(LIST, {"bank": "on"}))

    assert [text_of(row, "td a") for row in page.select("tbody tr")] == [waiting.legal_name]
    assert "Coordonnées bancaires" in text_of(page, "tbody tr td:last-child")


def test_counts_per_state_use_the_other_filters_and_link_with_them(client: Client) -> None:
    log_in_new_user(client)
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
    log_in_new_user(client)
    for number in range(51):
        factories.OrganisationFactory(legal_name=f"Club {number:02d}")

    page = parse_html(client.get(LIST, {"q": "club"}))

    assert len(page.select("tbody tr")) == 50
    next_link = page.select_one("nav[aria-label=Pagination] a")
    assert next_link is not None and "q=club" in next_link["href"]
    assert len(parse_html(client.get(LIST + next_link["href"])).select("tbody tr")) == 1


def test_a_wrong_filter_value_is_explained_not_a_500(client: Client) -> None:
    log_in_new_user(client)
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
    log_in_new_user(client)
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
    log_in_new_user(client, Role.FINANCE)
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
    # The whole IBAN, grouped as on a RIB: the agent checks it against the document.
    assert " ".join(account.iban[i : i + 4] for i in range(0, len(account.iban), 4)) in text
    assert member.email in text
    links = {a["href"] for a in page.select("a")}
    assert reverse("backoffice:convention_pdf", args=[organisation.pk, convention.pk]) in links
    assert reverse("backoffice:bank_account_rib", args=[organisation.pk, account.pk]) in links
    # A finance user reads everything but is offered no action.
    assert page.select("main form") == []


def test_the_journal_lists_the_organisation_events_latest_first(client: Client) -> None:
    user = log_in_new_user(client)
    organisation = factories.OrganisationFactory()
    organisation.suspend(actor=user, reason="Contrôle en cours")
    organisation.reactivate(actor=user)
    account = factories.BankAccountFactory(organisation=organisation)
    record(actor=user, action="bank_account.confirm", obj=account)
    record(actor=user, action="organisation.suspend", obj=factories.OrganisationFactory())

    page = parse_html(client.get(detail_url(organisation)))

    rows = page.select("#journal-evenements ~ tbody tr")
    actions = [row.select("td")[2].get_text() for row in rows]
    assert actions == [
        "Coordonnées bancaires confirmées par SMS",
        "Réactivation",
        "Suspension",
    ]
    assert "Contrôle en cours" in rows[2].get_text() and user.email in rows[2].get_text()


def test_a_gestionnaire_is_offered_the_actions_of_the_state(client: Client) -> None:
    log_in_new_user(client)
    organisation = commercial()
    factories.BankAccountFactory(organisation=organisation, pending=True)

    page = parse_html(client.get(detail_url(organisation)))

    buttons = [" ".join(b.get_text().split()) for b in page.select("main form button")]
    assert "Suspendre" in buttons and "Résilier" in buttons and "Réactiver" not in buttons
    assert "Marquer la justification comme vérifiée" in buttons
    assert any(b.startswith("Valider") for b in buttons)
    assert any(b.startswith("Refuser") for b in buttons)


def section_order(page: object) -> list[str]:
    return [h2["id"] for h2 in page.select("main h2[id]")]  # type: ignore[attr-defined]


def test_pending_checks_come_first_and_destructive_actions_last(client: Client) -> None:
    """Issue 18: the page was ~6,300 px with "Suspendre" (primary style) first and the bank
    check 3,400 px down. Now: a table of contents, what waits for a check first, the
    destructive actions last in the danger style."""
    log_in_new_user(client)
    organisation = commercial()
    factories.BankAccountFactory(organisation=organisation, pending=True)
    page = parse_html(client.get(detail_url(organisation)))

    order = section_order(page)
    assert order[:3] == ["sommaire", "eligibilite", "banque"]
    assert order[-1] == "actions" and order.index("identite") > order.index("banque")
    targets = {a["href"][1:] for a in page.select("nav[aria-labelledby=sommaire] a")}
    assert targets <= {element["id"] for element in page.select("[id]")}, "every link lands"
    assert {"eligibilite", "banque", "identite", "journal", "actions"} <= targets
    danger = [" ".join(b.get_text().split()) for b in page.select("button.button-danger")]
    assert danger == ["Suspendre", "Résilier"]


def test_without_pending_checks_the_sections_keep_their_usual_order(client: Client) -> None:
    log_in_new_user(client)
    organisation = factories.OrganisationFactory()
    factories.BankAccountFactory(organisation=organisation, validated=True)
    order = section_order(parse_html(client.get(detail_url(organisation))))
    assert order.index("identite") < order.index("eligibilite") < order.index("banque")
    assert order.index("banque") < order.index("journal") < order.index("actions")


def test_a_finance_user_sees_no_actions_section(client: Client) -> None:
    client.force_login(factories.UserFactory(finance=True))
    page = parse_html(client.get(detail_url(factories.OrganisationFactory())))
    assert "actions" not in section_order(page)
    assert not page.select("button.button-danger")
