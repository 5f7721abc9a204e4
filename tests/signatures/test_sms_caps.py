"""SMS codes are capped per organisation and per destination number over a rolling day,
whatever the signature request: changing the representative's mobile between sends no longer
gives a fresh budget (issue 16 §2). Counted in the database, shared by every process."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.core.errors import DomainError
from passplus.notifications import sms
from passplus.organisations.bank_changes import bank_change_enter, bank_change_send_code
from passplus.organisations.models import Organisation
from passplus.signatures import sms_caps
from passplus.signatures.models import OneTimeCode, SignatureRequest, SignatureStatus
from tests.helpers.accounts import VerifiedClient
from tests.helpers.affiliation import (
    contact_data,
    fill_until,
    post_step,
    rib_upload,
    signing_partner,
)
from tests.helpers.affiliation import step_url as wizard_url
from tests.helpers.database import assert_unchanged, requires_row_locks
from tests.helpers.factories import BankAccountFactory, OrganisationFactory, UserFactory
from tests.helpers.pages import parse_html, text_of
from tests.helpers.races import held_together
from tests.helpers.sms_codes import seed_codes
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

NEW_IBAN = "FR7630004000031234567890143"
SHARED_MOBILE = "+33698765432"


def mobile(index: int) -> str:
    return f"06 11 22 {index // 100:02d} {index % 100:02d}"


def e164(index: int) -> str:
    return "+33" + mobile(index).replace(" ", "")[1:]


def messages_of(response: Any) -> str:
    return text_of(parse_html(response), ".messages")


def refusal(response: Any) -> str:
    return text_of(parse_html(response), ".message-error")


def sent_codes(**filters: Any) -> int:
    return OneTimeCode.objects.filter(**filters).count()


def expected_when(moment: dt.datetime) -> str:
    """How the refusal writes a moment: local time, rounded up to the minute."""
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    local = timezone.localtime(moment)
    return f"le {local:%d/%m/%Y} à {local:%H:%M}"


# The convention wizard ------------------------------------------------------------------------


@pytest.fixture
def partner(client: Client) -> Organisation:
    user = signing_partner(client)
    fill_until(client, "conditions")
    assert user.organisation is not None
    return user.organisation


def send_wizard_code(client: Client) -> Any:
    return client.post(wizard_url("signature"), {"action": "send"}, follow=True)


def change_mobile(client: Client, index: int) -> None:
    response = post_step(client, "coordonnees", contact_data(representative_mobile=mobile(index)))
    assert response.status_code == 302
    assert post_step(client, "recapitulatif", {}).status_code == 302


def test_changing_the_mobile_between_sends_no_longer_pumps_sms(
    client: Client, partner: Organisation
) -> None:
    """The attack: a new number before each send used to open a new signature request with a
    fresh budget of codes and no delay. Ten sends in a row pass, the eleventh is refused."""
    for index in range(10):
        change_mobile(client, index)
        response = send_wizard_code(client)
        assert "Code envoyé" in messages_of(response), (index, messages_of(response))
    change_mobile(client, 10)

    with assert_unchanged(counted=[OneTimeCode]):
        response = send_wizard_code(client)

    first = OneTimeCode.objects.order_by("created_at").first()
    assert first is not None
    assert refusal(response) == (
        "Trop de codes envoyés pour votre organisme depuis 24 heures : nouvel envoi possible "
        f"{expected_when(first.created_at + dt.timedelta(hours=24))}."
    )
    run_queued_tasks()
    assert len(sms.outbox) == 10
    assert {text.to for text in sms.outbox} == {e164(i) for i in range(10)}


def test_a_number_is_capped_across_organisations(client: Client, partner: Organisation) -> None:
    """Five codes to one number from other organisations: this organisation cannot send a sixth
    to it, but can to another number."""
    sent_at = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    seed_codes(5, phone=e164(1), at=sent_at)
    change_mobile(client, 1)

    with assert_unchanged(counted=[OneTimeCode, SignatureRequest]):
        response = send_wizard_code(client)

    assert refusal(response) == (
        "Trop de codes envoyés à ce numéro depuis 24 heures : nouvel envoi possible "
        f"{expected_when(sent_at + dt.timedelta(hours=24))}."
    )
    run_queued_tasks()
    assert sms.outbox == []
    change_mobile(client, 2)
    assert "Code envoyé" in messages_of(send_wizard_code(client))


def test_an_organisation_is_capped_across_numbers_and_the_date_is_the_oldest_that_frees_a_send(
    client: Client, partner: Organisation
) -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    for hours_ago, index in ((20, 1), (10, 2), (5, 3), (2, 4), (1, 5)):
        seed_codes(
            2, phone=e164(index), organisation=partner, at=now - dt.timedelta(hours=hours_ago)
        )
    change_mobile(client, 9)

    with assert_unchanged(counted=[OneTimeCode]):
        response = send_wizard_code(client)

    # Ten codes within 24 hours: the send is possible again when the oldest leaves the window.
    assert refusal(response) == (
        "Trop de codes envoyés pour votre organisme depuis 24 heures : nouvel envoi possible "
        f"{expected_when(now + dt.timedelta(hours=4))}."
    )


def test_the_day_is_rolling(client: Client, partner: Organisation) -> None:
    now = timezone.now()
    seed_codes(5, phone=e164(1), at=now - dt.timedelta(hours=24) + dt.timedelta(minutes=1))
    change_mobile(client, 1)
    with assert_unchanged(counted=[OneTimeCode, SignatureRequest]):
        response = send_wizard_code(client)
    assert "Trop de codes envoyés à ce numéro" in messages_of(response)

    # 24 hours and one minute after those sends, the number may receive a code again.
    OneTimeCode.objects.update(created_at=now - dt.timedelta(hours=24, minutes=1))
    response = send_wizard_code(client)
    assert "Code envoyé" in messages_of(response)
    assert sent_codes(request__phone=e164(1)) == 6


def test_the_caps_are_settings(client: Client, partner: Organisation, settings: Any) -> None:
    settings.PASSPLUS_SMS_MAX_PER_NUMBER_PER_DAY = 2
    seed_codes(2, phone=e164(1), at=timezone.now() - dt.timedelta(hours=1))
    change_mobile(client, 1)
    with assert_unchanged(counted=[OneTimeCode, SignatureRequest]):
        response = send_wizard_code(client)
    assert "Trop de codes envoyés à ce numéro" in messages_of(response)
    settings.PASSPLUS_SMS_MAX_PER_NUMBER_PER_DAY = 3
    assert "Code envoyé" in messages_of(send_wizard_code(client))


# The bank-detail change -----------------------------------------------------------------------


@pytest.fixture
def affiliated() -> Organisation:
    organisation = OrganisationFactory(representative_mobile=SHARED_MOBILE)
    BankAccountFactory(organisation=organisation, validated=True)
    return organisation


@pytest.fixture
def treasurer(client: Client, affiliated: Organisation) -> Any:
    user = UserFactory(organisation_member=True, organisation=affiliated)
    client.force_login(user)
    return user


def enter_bank_details(client: Client) -> None:
    data = {"holder": "Club", "iban": NEW_IBAN, "bic": "", "rib_document": rib_upload()}
    assert client.post(reverse("partner:bank_details"), data).status_code == 302


def send_bank_code(client: Client) -> Any:
    return client.post(reverse("partner:bank_details_confirm"), {"action": "send"}, follow=True)


def test_a_bank_change_code_counts_the_numbers_codes_from_other_organisations(
    client: Client, affiliated: Organisation, treasurer: Any
) -> None:
    sent_at = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    seed_codes(5, phone=SHARED_MOBILE, at=sent_at)
    enter_bank_details(client)

    with assert_unchanged(counted=[OneTimeCode, SignatureRequest]):
        response = send_bank_code(client)

    assert refusal(response) == (
        "Trop de codes envoyés à ce numéro depuis 24 heures : nouvel envoi possible "
        f"{expected_when(sent_at + dt.timedelta(hours=24))}."
    )
    run_queued_tasks()
    assert sms.outbox == []


def test_a_bank_change_code_counts_the_organisations_codes_to_other_numbers(
    client: Client, affiliated: Organisation, treasurer: Any
) -> None:
    for index in range(10):
        seed_codes(
            1, phone=e164(index), organisation=affiliated, at=timezone.now() - dt.timedelta(hours=2)
        )
    enter_bank_details(client)
    with assert_unchanged(counted=[OneTimeCode]):
        response = send_bank_code(client)
    assert "Trop de codes envoyés pour votre organisme depuis 24 heures" in messages_of(response)


def test_bank_change_sends_and_wizard_sends_share_the_count(
    client: Client, affiliated: Organisation, treasurer: Any
) -> None:
    seed_codes(4, phone=SHARED_MOBILE, at=timezone.now() - dt.timedelta(hours=1))
    enter_bank_details(client)
    assert "Code envoyé" in messages_of(send_bank_code(client))
    # The fifth code reached the cap: the next one (after the 30-second delay) is refused.
    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=1))
    pending = SignatureRequest.objects.get(status=SignatureStatus.PENDING)
    with assert_unchanged(pending, counted=[OneTimeCode, SignatureRequest]):
        response = send_bank_code(client)
    assert "Trop de codes envoyés à ce numéro" in messages_of(response)


@requires_row_locks
@pytest.mark.django_db(transaction=True)
def test_simultaneous_sends_to_one_number_never_exceed_the_cap() -> None:
    """Eight organisations sharing a representative's mobile send at the same instant: exactly
    five codes go (a lock per number, not only per signature request). Each send is held after
    counting the codes already sent until the others have counted too: without the lock, all
    eight count none of the others'."""
    organisations = [OrganisationFactory(representative_mobile=SHARED_MOBILE) for _ in range(8)]
    users = [UserFactory(organisation_member=True, organisation=o) for o in organisations]
    for organisation, user in zip(organisations, users, strict=True):
        BankAccountFactory(organisation=organisation, validated=True)
        bank_change_enter(
            organisation=organisation,
            actor=user,
            holder="Club",
            iban=NEW_IBAN,
            bic="",
            rib_document=rib_upload(),
        )
    barrier = threading.Barrier(len(organisations))
    outcomes: list[str] = []
    lock = threading.Lock()

    def send(organisation: Organisation, user: Any) -> None:
        try:
            barrier.wait()
            bank_change_send_code(organisation=organisation, actor=user)
            outcome = "sent"
        except DomainError as error:
            outcome = str(error)
        except Exception as error:  # a 500 in the making: reported by the assertions below
            outcome = f"crash: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [
        threading.Thread(target=send, args=pair) for pair in zip(organisations, users, strict=True)
    ]
    with mock.patch.object(sms_caps, "_sent", held_together(sms_caps._sent, parties=8)):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert outcomes.count("sent") == 5, outcomes
    assert all(
        o == "sent" or o.startswith("Trop de codes envoyés à ce numéro") for o in outcomes
    ), outcomes
    assert sent_codes(request__phone=SHARED_MOBILE) == 5


# "À traiter" ----------------------------------------------------------------------------------


def test_numbers_and_organisations_at_a_cap_are_listed_to_do_masked() -> None:
    capped = OrganisationFactory(legal_name="Club plafonné", representative_mobile=e164(7))
    under = OrganisationFactory(legal_name="Club tranquille", representative_mobile=e164(8))
    now = timezone.now().replace(second=0, microsecond=0)
    for index in range(10):
        seed_codes(1, phone=e164(20 + index), organisation=capped, at=now - dt.timedelta(hours=3))
    seed_codes(5, phone=SHARED_MOBILE, at=now - dt.timedelta(hours=5))
    seed_codes(4, phone=e164(8), organisation=under, at=now - dt.timedelta(hours=1))
    # Sends older than a day are not counted.
    seed_codes(6, phone=e164(9), at=now - dt.timedelta(hours=25))
    staff = VerifiedClient()
    staff.force_login(UserFactory(gestionnaire=True))

    page = parse_html(staff.get(reverse("backoffice:review_queue")))

    section = text_of(page, "#sms-plafonds")
    assert "Club plafonné" in section and "10 codes" in section
    assert "+33 6 •• •• •• 32" in section and "5 codes" in section
    assert expected_when(now + dt.timedelta(hours=21)) in section
    assert expected_when(now + dt.timedelta(hours=19)) in section
    assert "Club tranquille" not in section
    assert "98765432" not in section and "•• •• •• 09" not in section
    heading = text_of(page, "#sms")
    assert heading == "SMS plafonnés (2)"
    total = text_of(page, "h1")
    assert total.startswith("À traiter (") and int(total[len("À traiter (") : -1]) >= 2


def test_the_review_queue_says_when_nothing_is_capped() -> None:
    staff = VerifiedClient()
    staff.force_login(UserFactory(finance=True))
    page = parse_html(staff.get(reverse("backoffice:review_queue")))
    assert text_of(page, "#sms") == "SMS plafonnés (0)"
    assert "Aucun envoi de SMS plafonné" in text_of(page, "main")


def test_a_refused_send_leaves_the_pending_request_and_its_code_as_they_were(
    client: Client, partner: Organisation
) -> None:
    change_mobile(client, 1)
    send_wizard_code(client)
    pending = SignatureRequest.objects.get(status=SignatureStatus.PENDING)
    seed_codes(9, phone=e164(2), organisation=partner, at=timezone.now() - dt.timedelta(hours=1))
    change_mobile(client, 3)
    with assert_unchanged(pending, counted=[OneTimeCode, SignatureRequest]):
        response = send_wizard_code(client)
    assert "Trop de codes envoyés pour votre organisme" in messages_of(response)


def test_the_partners_help_explains_the_caps(client: Client) -> None:
    page = parse_html(client.get(reverse("public:help_partners")))
    answer = next(
        details
        for details in page.select("details")
        if "Le code SMS n'est plus envoyé" in details.get_text()
    )
    text = " ".join(answer.get_text(" ").split())
    assert "pour chaque organisme et pour chaque numéro de portable" in text
    assert "la date et l'heure auxquelles un nouvel envoi sera possible" in text
