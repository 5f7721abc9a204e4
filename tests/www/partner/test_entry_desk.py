"""Issue 33 §2: ticket entry at the desk made quick and forgiving: cancelling an entry asks for
confirmation, the only activity is chosen for the treasurer, the messages say how to recover,
bulk entry keeps its refused lines, « Mes saisies » finds an entry by number or child's name."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.organisations.models import Organisation
from passplus.tickets.models import Redemption, RedemptionStatus, Ticket
from passplus.tickets.numbers import format_ticket_number
from tests.helpers.database import assert_unchanged, db_row
from tests.helpers.factories import (
    ActivityFactory,
    OrganisationFactory,
    PupilFactory,
    RedemptionFactory,
    TicketFactory,
    UserFactory,
    WalletFactory,
)
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db
BIRTH = "12/04/2013"  # TicketFactory's pupil


@pytest.fixture
def organisation() -> Organisation:
    return OrganisationFactory(legal_name="Club de judo")


@pytest.fixture
def partner(client: Client, organisation: Organisation) -> Client:
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    return client


def main_text(response: Any) -> str:
    return " ".join(text_of(parse_html(response), "main").split())


def confirm_page(client: Client, ticket: Ticket) -> Any:
    response = client.post(reverse("partner:entry"), {"number": ticket.number, "birth_date": BIRTH})
    assert response.status_code == 302, main_text(response)
    return parse_html(client.get(reverse("partner:entry_confirm")))


# Cancelling asks first ---------------------------------------------------------------------


def test_the_receipt_offers_another_ticket_before_the_cancel_link(
    partner: Client, organisation: Organisation
) -> None:
    redemption = RedemptionFactory(organisation=organisation)
    page = parse_html(partner.get(reverse("partner:redemption", args=[redemption.pk])))
    actions = [" ".join(e.get_text().split()) for e in page.select("main a[href], main button")]
    assert actions.index("Saisir un autre ticket") < actions.index("Annuler la saisie")
    assert not page.select("main form[action$='/annuler/']")  # a link to a page that asks


def test_cancelling_shows_the_consequence_and_a_get_cancels_nothing(
    partner: Client, organisation: Organisation
) -> None:
    redemption = RedemptionFactory(organisation=organisation)
    with assert_unchanged(redemption, redemption.ticket):
        response = partner.get(reverse("partner:redemption_cancel", args=[redemption.pk]))
    assert response.status_code == 200
    text = main_text(response)
    assert "le ticket devra être saisi à nouveau" in text
    assert "date de naissance" in text
    page = parse_html(response)
    assert page.select_one("main form button[name=confirm]") is not None


def test_a_post_without_the_confirmation_cancels_nothing(
    partner: Client, organisation: Organisation
) -> None:
    redemption = RedemptionFactory(organisation=organisation)
    with assert_unchanged(redemption, redemption.ticket):
        response = partner.post(reverse("partner:redemption_cancel", args=[redemption.pk]))
    assert response.status_code == 200
    assert "Confirmer l'annulation" in main_text(response)


def test_the_confirmed_cancel_cancels(partner: Client, organisation: Organisation) -> None:
    redemption = RedemptionFactory(organisation=organisation)
    response = partner.post(
        reverse("partner:redemption_cancel", args=[redemption.pk]), {"confirm": "1"}
    )
    assert response["Location"] == reverse("partner:redemption", args=[redemption.pk])
    assert db_row(redemption)["status"] == RedemptionStatus.CANCELLED


def test_another_organisations_cancel_page_is_a_404(partner: Client) -> None:
    foreign = RedemptionFactory(organisation=OrganisationFactory())
    url = reverse("partner:redemption_cancel", args=[foreign.pk])
    with assert_unchanged(foreign, foreign.ticket):
        assert partner.get(url).status_code == 404
        assert partner.post(url, {"confirm": "1"}).status_code == 404


# The confirmation screen -------------------------------------------------------------------


def test_the_only_activity_is_chosen_in_a_hidden_field(
    partner: Client, organisation: Organisation
) -> None:
    judo = ActivityFactory(organisation=organisation, name="Judo")
    ticket = TicketFactory()
    page = confirm_page(partner, ticket)
    assert page.select_one("main select[name=activity]") is None
    hidden = page.select_one("main input[type=hidden][name=activity]")
    assert hidden is not None and hidden["value"] == str(judo.pk)
    partner.post(reverse("partner:entry_confirm"), {"activity": judo.pk})
    assert Redemption.objects.get(ticket=ticket).activity == judo


def test_with_two_activities_the_select_stays(partner: Client, organisation: Organisation) -> None:
    ActivityFactory(organisation=organisation, name="Judo")
    ActivityFactory(organisation=organisation, name="Jujitsu")
    page = confirm_page(partner, TicketFactory())
    assert page.select_one("main select[name=activity]") is not None


def test_the_extension_is_offered_only_near_the_end(partner: Client) -> None:
    page = confirm_page(partner, TicketFactory())
    assert "jusqu'à" in text_of(page, "#delai")
    assert page.select_one("form[action$='/prolonger/']") is None
    confirm = page.select_one("main form button[type=submit]")
    assert confirm is not None and "Confirmer la saisie" in confirm.get_text()


# Messages that say how to recover ----------------------------------------------------------


def test_a_failed_check_digit_says_a_digit_is_probably_wrong(partner: Client) -> None:
    with assert_unchanged(counted=[Redemption]):
        response = partner.post(
            reverse("partner:entry"), {"number": "1234 5678 9013", "birth_date": BIRTH}
        )
    errors = text_of(parse_html(response), "#resume-erreurs")
    assert "un chiffre est probablement mal saisi" in errors
    assert "12 chiffres" not in errors


def test_a_short_number_says_how_many_digits_were_typed(partner: Client) -> None:
    text = main_text(
        partner.post(reverse("partner:entry"), {"number": "1234 5678 901", "birth_date": BIRTH})
    )
    assert "11 chiffres saisis, il en faut 12" in text


def test_a_ticket_used_elsewhere_says_what_to_tell_the_family(partner: Client) -> None:
    ticket = TicketFactory(used=True)
    RedemptionFactory(ticket=ticket, organisation=OrganisationFactory(legal_name="Club voisin"))
    text = text_of(confirm_page(partner, ticket), "main")
    assert "Ce ticket a déjà été utilisé." in text
    assert "espace famille" in text
    assert "voisin" not in text


# Bulk entry --------------------------------------------------------------------------------


def test_bulk_badges_differ_by_text_and_icon_and_refused_lines_stay(
    partner: Client, organisation: Organisation
) -> None:
    ready = TicketFactory()
    lines = f"{ready.number} ; {BIRTH}\n1234 5678 9013 ; {BIRTH}\n"
    page = parse_html(partner.post(reverse("partner:bulk_entry"), {"lines": lines}))
    badges = [b for b in page.select("main .badge")]
    assert len(badges) == 2
    ok, refused = (" ".join(b.get_text().split()) for b in badges)
    assert ok.startswith("✓") and "Prêt" in ok
    assert refused.startswith("✗") and "Refusé" in refused

    done = parse_html(partner.post(reverse("partner:bulk_entry"), {"action": "confirm"}))
    assert Redemption.objects.filter(ticket=ready).exists()
    refused_rows = done.select("#lignes-refusees li")
    assert len(refused_rows) == 1
    assert "Ligne 2" in refused_rows[0].get_text()
    assert "un chiffre est probablement mal saisi" in refused_rows[0].get_text()


# Search in « Mes saisies » -----------------------------------------------------------------


def listed_numbers(client: Client, query: str) -> list[str]:
    page = parse_html(client.get(reverse("partner:redemptions"), {"q": query}))
    return [
        " ".join(cell.get_text().split())
        for cell in page.select("table:has(#liste-saisies) tbody tr .ticket-number")
    ]


def test_my_entries_are_found_by_number_with_or_without_spaces_and_by_name(
    partner: Client, organisation: Organisation
) -> None:
    pupil = PupilFactory(first_name="Inès", last_name="Zerbib")
    mine = RedemptionFactory(
        organisation=organisation,
        ticket=TicketFactory(used=True, wallet=WalletFactory(pupil=pupil)),
    )
    other = RedemptionFactory(organisation=organisation)
    shown = format_ticket_number(mine.ticket.number)
    assert listed_numbers(partner, mine.ticket.number) == [shown]
    assert listed_numbers(partner, shown) == [shown]
    assert listed_numbers(partner, "zerbib") == [shown]
    assert listed_numbers(partner, "Inès Zerbib") == [shown]
    assert len(listed_numbers(partner, "")) == 2
    assert format_ticket_number(other.ticket.number) not in listed_numbers(partner, "zerbib")


def test_searching_another_organisations_ticket_finds_nothing(partner: Client) -> None:
    pupil = PupilFactory(first_name="Inès", last_name="Zerbib")
    foreign = RedemptionFactory(
        organisation=OrganisationFactory(),
        ticket=TicketFactory(used=True, wallet=WalletFactory(pupil=pupil)),
    )
    assert listed_numbers(partner, foreign.ticket.number) == []
    assert listed_numbers(partner, "Zerbib") == []
    response = partner.get(reverse("partner:redemptions"), {"q": foreign.ticket.number})
    assert "Aucune saisie ne correspond" in main_text(response)


def test_the_export_holds_what_the_search_lists(
    partner: Client, organisation: Organisation
) -> None:
    pupil = PupilFactory(first_name="Inès", last_name="Zerbib")
    mine = RedemptionFactory(
        organisation=organisation,
        ticket=TicketFactory(used=True, wallet=WalletFactory(pupil=pupil)),
    )
    other = RedemptionFactory(organisation=organisation)
    response = partner.get(reverse("partner:redemptions_csv"), {"q": "Zerbib"})
    content = b"".join(response.streaming_content if response.streaming else [response.content])
    text = content.decode("utf-8-sig")
    assert format_ticket_number(mine.ticket.number) in text or mine.ticket.number in text
    assert other.ticket.number not in text
    assert format_ticket_number(other.ticket.number) not in text
