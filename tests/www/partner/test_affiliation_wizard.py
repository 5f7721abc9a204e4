"""The convention wizard, step by step: each saves as you go, each refuses bad input on its
field with a French message and saves nothing, and no step opens before the previous ones."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.audit.models import AuditEvent
from passplus.conventions.models import Convention
from passplus.organisations.enums import BankAccountStatus
from passplus.organisations.models import BankAccount, Organisation
from tests.helpers.affiliation import (
    IBAN_WITHOUT_DERIVABLE_BIC,
    IBAN_WRONG_RIB_KEY,
    PNG_BYTES,
    bank_data,
    contact_data,
    eligibility_data,
    exe_bytes,
    fill_until,
    post_step,
    rib_upload,
    signing_partner,
    step_url,
    today_minus_years,
)
from tests.helpers.database import assert_unchanged
from tests.helpers.factories import OrganisationFactory, UserFactory
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(client: Client) -> Organisation:
    user = signing_partner(client)
    assert user.organisation is not None
    return user.organisation


def error_of(response: Any, field: str) -> str:
    return text_of(parse_html(response), f"#id_{field}_error")


def test_the_wizard_resumes_at_the_first_step_not_done(
    client: Client, partner: Organisation
) -> None:
    assert client.get(reverse("partner:affiliation"))["Location"] == step_url("eligibilite")
    fill_until(client, "coordonnees")

    assert client.get(reverse("partner:affiliation"))["Location"] == step_url("banque")
    assert client.get(reverse("partner:home"))["Location"] == reverse("partner:affiliation")


@pytest.mark.parametrize(
    "slug", ["coordonnees", "banque", "recapitulatif", "conditions", "signature"]
)
def test_no_step_opens_before_the_previous_ones(
    client: Client, partner: Organisation, slug: str
) -> None:
    response = client.get(step_url(slug))
    assert response.status_code == 302
    assert response["Location"] == step_url("eligibilite")


def test_the_eligibility_answers_are_stored_with_their_date(
    client: Client, partner: Organisation
) -> None:
    post_step(
        client,
        "eligibilite",
        eligibility_data(non_profit="no", justification="Cours de soutien en mathématiques."),
    )

    partner.refresh_from_db()
    assert not partner.is_non_profit
    assert partner.eligibility_justification == "Cours de soutien en mathématiques."
    assert partner.secularism_declared_at and partner.equal_access_declared_at
    assert partner.needs_eligibility_review


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"non_profit": "no"}, "justification", "programmes scolaires"),
        ({"secularism": ""}, "secularism", "obligatoire"),
        ({"equal_access": ""}, "equal_access", "obligatoire"),
        ({"non_profit": ""}, "non_profit", "obligatoire"),
    ],
)
def test_eligibility_refuses_missing_answers(
    client: Client, partner: Organisation, overrides: dict[str, str], field: str, message: str
) -> None:
    with assert_unchanged(partner):
        response = post_step(client, "eligibilite", eligibility_data(**overrides))
    assert message in error_of(response, field)


def test_a_too_young_organisation_is_stopped_with_the_date_it_becomes_eligible(
    client: Client,
) -> None:
    created = today_minus_years(2, days=-10)  # two years old in ten days
    user = signing_partner(client, creation_date=created)
    organisation = user.organisation
    assert organisation is not None

    with assert_unchanged(organisation):
        response = post_step(client, "eligibilite", eligibility_data())

    message = text_of(parse_html(response), "#resume-erreurs")
    assert f"à partir du {organisation.eligible_from:%d/%m/%Y}" in message
    assert client.get(step_url("coordonnees"))["Location"] == step_url("eligibilite")


def test_contact_details_are_saved_with_the_mobile_in_e164(
    client: Client, partner: Organisation
) -> None:
    fill_until(client, "coordonnees")
    partner.refresh_from_db()
    assert partner.representative_mobile == "+33612345678"
    assert partner.public_phone == "+33147000000"
    assert (partner.postcode, partner.city) == ("92000", "Nanterre")


def test_an_overseas_mobile_is_accepted(client: Client, partner: Organisation) -> None:
    fill_until(client, "eligibilite")
    post_step(client, "coordonnees", contact_data(representative_mobile="0692 12 34 56"))
    partner.refresh_from_db()
    assert partner.representative_mobile == "+262692123456"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"representative_mobile": "01 47 00 00 00"}, "representative_mobile", "pas un portable"),
        ({"representative_mobile": "06 12"}, "representative_mobile", "pas valide"),
        ({"postcode": "75011"}, "postcode", "pas dans le territoire"),
        ({"public_email": "non"}, "public_email", "courriel valide"),
        ({"website": "pas un site"}, "website", "URL valide"),
        ({"representative_name": ""}, "representative_name", "obligatoire"),
    ],
)
def test_contact_details_refuse_bad_input(
    client: Client, partner: Organisation, overrides: dict[str, str], field: str, message: str
) -> None:
    fill_until(client, "eligibilite")
    with assert_unchanged(partner):
        response = post_step(client, "coordonnees", contact_data(**overrides))
    assert message in error_of(response, field)


def test_bank_details_keep_a_draft_account_with_the_derived_bic_and_the_rib(
    client: Client, partner: Organisation
) -> None:
    fill_until(client, "banque")

    account = BankAccount.objects.get(organisation=partner)
    assert account.status == BankAccountStatus.DRAFT
    assert (account.iban, account.bic) == ("FR7630006000011234567890189", "AGRIFRPPXXX")
    assert account.rib_document.read().startswith(b"%PDF")
    # Coming back and saving again updates the same draft; the RIB need not be sent twice.
    response = post_step(client, "banque", bank_data(holder="USN", rib_document=""))
    assert response.status_code == 302
    assert BankAccount.objects.get(organisation=partner).holder == "USN"


def test_a_typed_bic_is_kept_when_the_iban_does_not_give_it(
    client: Client, partner: Organisation
) -> None:
    fill_until(client, "coordonnees")
    response = post_step(
        client, "banque", bank_data(iban=IBAN_WITHOUT_DERIVABLE_BIC, bic="agri frpp")
    )
    assert response.status_code == 302
    assert BankAccount.objects.get(organisation=partner).bic == "AGRIFRPP"


def test_a_png_rib_is_accepted(client: Client, partner: Organisation) -> None:
    fill_until(client, "coordonnees")
    response = post_step(client, "banque", bank_data(rib_document=rib_upload(PNG_BYTES, "rib.png")))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"iban": IBAN_WRONG_RIB_KEY}, "iban", "clé RIB"),
        ({"iban": "FR7630006000011234567890180"}, "iban", "clé de contrôle"),
        ({"iban": "FR76300060000112345"}, "iban", "longueur"),
        ({"iban": IBAN_WITHOUT_DERIVABLE_BIC, "bic": "ZZZZFRPPXXX"}, "bic", "inconnu"),
        ({"iban": IBAN_WITHOUT_DERIVABLE_BIC, "bic": ""}, "bic", "ne peut pas être déduit"),
        ({"iban": IBAN_WITHOUT_DERIVABLE_BIC, "bic": "COBADEFF"}, "bic", "pays de l'IBAN"),
        ({"iban": IBAN_WITHOUT_DERIVABLE_BIC, "bic": "AB"}, "bic", "pas valide"),
        ({"rib_document": rib_upload(exe_bytes(), "rib.pdf")}, "rib_document", "ni un PDF"),
        (
            {"rib_document": rib_upload(b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), "rib.pdf")},
            "rib_document",
            "dépasse 5 Mo",
        ),
        ({"rib_document": ""}, "rib_document", "Joignez votre RIB"),
        ({"holder": ""}, "holder", "obligatoire"),
    ],
)
def test_bank_details_refuse_bad_input(
    client: Client, partner: Organisation, overrides: dict[str, Any], field: str, message: str
) -> None:
    fill_until(client, "coordonnees")
    with assert_unchanged(partner, counted=[BankAccount]):
        response = post_step(client, "banque", bank_data(**overrides))
    assert message in error_of(response, field)


def test_the_review_masks_the_iban_and_links_back_to_each_step(
    client: Client, partner: Organisation
) -> None:
    fill_until(client, "banque")
    # Another session (issue 33 §6: only whoever typed it sees it in full, in their session).
    other = Client()
    other.force_login(partner.members.get())

    page = parse_html(other.get(step_url("recapitulatif")))

    text = text_of(page, "main")
    assert "FR76300060000112345678901" not in text.replace(" ", "")
    assert "0189" in text.replace(" ", "")
    for slug in ("eligibilite", "coordonnees", "banque"):
        assert page.find("a", href=step_url(slug)), slug
    assert page.find("button", string="Valider les données saisies")


def test_a_change_after_the_review_reopens_it(client: Client, partner: Organisation) -> None:
    fill_until(client, "conditions")
    assert client.get(reverse("partner:affiliation"))["Location"] == step_url("signature")

    post_step(client, "coordonnees", contact_data(city="NANTERRE"))

    assert client.get(reverse("partner:affiliation"))["Location"] == step_url("recapitulatif")
    assert client.get(step_url("signature"))["Location"] == step_url("recapitulatif")


def test_the_conditions_link_to_the_exact_version_and_are_recorded(
    client: Client, partner: Organisation
) -> None:
    fill_until(client, "recapitulatif")
    page = parse_html(client.get(step_url("conditions")))
    convention = Convention.objects.get(organisation=partner)
    version_url = reverse("public:convention_version", args=[convention.version.label])
    assert page.find("a", href=f"{version_url}#reglement")
    assert page.find("a", href=f"{version_url}#conditions")

    with assert_unchanged(convention):
        response = post_step(client, "conditions", {"accept_rules": "on"})
    assert "conditions générales" in error_of(response, "accept_terms")

    post_step(client, "conditions", {"accept_rules": "on", "accept_terms": "on"})
    convention.refresh_from_db()
    assert convention.rules_accepted_at and convention.terms_accepted_at
    assert AuditEvent.objects.filter(action="affiliation.accept_conditions").count() == 1


def test_the_version_page_shows_rules_and_conditions(client: Client, partner: Organisation) -> None:
    convention = Convention.objects.get(organisation=partner)
    page = parse_html(
        Client().get(reverse("public:convention_version", args=[convention.version.label]))
    )
    assert convention.version.rules in text_of(page, "main")
    assert page.select_one("#reglement") and page.select_one("#conditions")


def test_only_a_signing_partner_reaches_the_wizard(client: Client) -> None:
    affiliated = OrganisationFactory()
    client.force_login(UserFactory(organisation_member=True, organisation=affiliated))
    assert client.get(step_url("eligibilite"))["Location"] == reverse("partner:home")
    client.force_login(UserFactory(correspondent=True))
    assert client.get(step_url("eligibilite")).status_code == 403
