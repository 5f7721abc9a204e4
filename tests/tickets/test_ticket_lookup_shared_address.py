"""Clubs behind one shared address (issue 33 §1): the organisation and the user are the main
limit, the address only a brake at a much higher threshold; the answers count down from the 3rd
failure and the block says whom to call and when entry reopens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.core.errors import DomainError
from passplus.tickets.models import LookupFailure, Redemption
from passplus.tickets.models.throttle import LookupThrottle
from passplus.tickets.numbers import generate_ticket_number
from passplus.tickets.services import NOT_FOUND_MESSAGE, ticket_lookup
from tests.helpers.accounts import VerifiedClient
from tests.helpers.factories import OrganisationFactory, TicketFactory, UserFactory
from tests.helpers.pages import parse_html, text_of

BIRTH = dt.date(2013, 4, 12)
SHARED = "192.0.2.80"


def partner(legal_name: str, ip: str = SHARED, **user: Any) -> Client:
    organisation = OrganisationFactory(legal_name=legal_name)
    client = Client(REMOTE_ADDR=ip)
    client.force_login(UserFactory(organisation_member=True, organisation=organisation, **user))
    return client


def look_up(client: Client, number: str, birth: str = "12/04/2013") -> Any:
    return client.post(reverse("partner:entry"), {"number": number, "birth_date": birth})


def errors(response: Any) -> str:
    return text_of(parse_html(response), "#resume-erreurs")


@pytest.mark.django_db
def test_another_club_behind_the_same_address_still_enters_after_nine_errors() -> None:
    careless = partner("Club des erreurs")
    nanterre = partner("Football Club de Nanterre")
    for _ in range(9):
        look_up(careless, generate_ticket_number())
    look_up(nanterre, generate_ticket_number())  # its own single error
    ticket = TicketFactory()

    response = look_up(nanterre, ticket.number)

    assert response.status_code == 302
    assert response["Location"] == reverse("partner:entry_confirm")


@pytest.mark.django_db
def test_a_club_blocked_for_its_own_errors_does_not_block_its_neighbour() -> None:
    careless = partner("Club des erreurs")
    nanterre = partner("Football Club de Nanterre")
    for _ in range(10):
        look_up(careless, generate_ticket_number())
    ticket = TicketFactory()

    assert "bloquée jusqu'à" in errors(look_up(careless, ticket.number))
    assert look_up(nanterre, ticket.number).status_code == 302
    # The club and its user are blocked, never the shared address.
    assert sorted(LookupThrottle.objects.blocking().values_list("scope", flat=True)) == [
        "organisation",
        "user",
    ]


@pytest.mark.django_db
def test_one_person_spreading_guesses_over_many_organisations_hits_the_address_brake(
    settings: Any,
) -> None:
    limit = settings.PASSPLUS_LOOKUP_MAX_FAILURES_PER_ADDRESS
    assert limit >= 5 * settings.PASSPLUS_LOOKUP_MAX_FAILURES  # five busy clubs fit under it
    made = 0
    while made < limit:
        client = partner(f"Compte {made}")
        for _ in range(settings.PASSPLUS_LOOKUP_MAX_FAILURES - 1):  # never an account's block
            if made < limit:
                look_up(client, generate_ticket_number())
                made += 1
    ticket = TicketFactory()
    fresh = partner("Compte neuf")

    with pytest.raises(AssertionError):
        assert look_up(fresh, ticket.number).status_code == 302
    message = errors(look_up(fresh, ticket.number))
    assert "bloquée jusqu'à" in message
    assert "depuis votre réseau" in message and "ne sont pas en cause" in message
    assert LookupThrottle.objects.blocking().get().scope == "ip"
    assert not Redemption.objects.exists()
    assert look_up(partner("Ailleurs", ip="192.0.2.81"), ticket.number).status_code == 302


@pytest.mark.django_db
def test_from_the_third_failure_the_answer_counts_down_and_says_what_to_check() -> None:
    organisation = OrganisationFactory()
    answers = []
    for _ in range(9):
        with pytest.raises(DomainError) as refused:
            ticket_lookup(
                number=generate_ticket_number(),
                birth_date=BIRTH,
                organisation=organisation,
                ip=SHARED,
            )
        answers.append(str(refused.value))

    assert answers[0] == answers[1] == NOT_FOUND_MESSAGE
    assert answers[2].startswith(NOT_FOUND_MESSAGE)
    assert "Il vous reste 7 essais avant une pause de 15 minutes" in answers[2]
    assert "date de naissance est celle de l'enfant" in answers[2]
    assert "numéro est celui imprimé sur le ticket" in answers[2]
    assert "Il vous reste 1 essai avant" in answers[8]


@pytest.mark.django_db
def test_the_block_message_gives_the_phone_hours_and_reopening_time(settings: Any) -> None:
    settings.PASSPLUS_SUPPORT_PHONE = "01 41 00 00 92"
    settings.PASSPLUS_SUPPORT_HOURS = "du lundi au vendredi, de 9 h à 17 h"
    client = partner("Club bloqué")
    for _ in range(10):
        look_up(client, generate_ticket_number())
    block = LookupThrottle.objects.blocking().get(scope="organisation")
    until = timezone.localtime(block.blocked_until)

    message = errors(look_up(client, generate_ticket_number()))

    assert "Trop de saisies sans résultat" in message
    assert "01 41 00 00 92" in message
    assert "du lundi au vendredi, de 9 h à 17 h" in message
    assert f"reprendra d'elle-même à {until:%H:%M}" in message


@pytest.mark.django_db
def test_the_back_office_names_the_organisations_and_users_behind_each_block(
    settings: Any,
) -> None:
    settings.PASSPLUS_LOOKUP_MAX_FAILURES_PER_ADDRESS = 12
    first = partner("Club des erreurs", first_name="Alice", last_name="Martin")
    second = partner("Tennis Club voisin", first_name="Bruno", last_name="Durand")
    for _ in range(9):
        look_up(first, generate_ticket_number())
    for _ in range(3):
        look_up(second, generate_ticket_number())
    staff = VerifiedClient()
    staff.force_login(UserFactory(gestionnaire=True))

    page = parse_html(staff.get(reverse("backoffice:lookup_blocks")))
    rows = [" ".join(row.get_text(" ").split()) for row in page.select("tbody tr")]

    assert len(rows) == 1  # the address only: neither club reached its own limit
    assert SHARED in rows[0]
    assert "Club des erreurs : 9" in rows[0] and "Alice Martin : 9" in rows[0]
    assert "Tennis Club voisin : 3" in rows[0] and "Bruno Durand : 3" in rows[0]


@pytest.mark.django_db
def test_who_failed_is_forgotten_once_no_window_or_block_can_count_it(settings: Any) -> None:
    organisation = OrganisationFactory()
    user = UserFactory(organisation_member=True, organisation=organisation)

    def fail() -> None:
        with pytest.raises(DomainError):
            ticket_lookup(
                number=generate_ticket_number(),
                birth_date=BIRTH,
                organisation=organisation,
                ip=SHARED,
                user=user,
            )

    fail()
    assert LookupFailure.objects.filter(user=user).count() == 3  # organisation, user, address
    kept = settings.PASSPLUS_LOOKUP_WINDOW_MINUTES + settings.PASSPLUS_LOOKUP_BLOCK_MINUTES
    LookupFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=kept + 1))
    other = OrganisationFactory()
    with pytest.raises(DomainError):
        ticket_lookup(
            number=generate_ticket_number(), birth_date=BIRTH, organisation=other, ip=None
        )

    assert not LookupFailure.objects.filter(user=user).exists()
    assert LookupFailure.objects.filter(organisation=other).count() == 1
