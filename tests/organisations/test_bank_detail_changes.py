"""Changing bank details from the partner space: entered with a RIB, confirmed by the legal
representative's SMS code, validated by another person of the back office, e-mailed at each
step; never used by a run already built; another organisation cannot act on it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passplus.core.errors import DomainError
from passplus.notifications import sms
from passplus.organisations.enums import BankAccountStatus as B
from passplus.organisations.models import BankAccount, Organisation
from passplus.payments.build import payment_run_build
from passplus.signatures.models import OneTimeCode, SignatureRequest
from tests.helpers.affiliation import last_sms_code, rib_upload
from tests.helpers.database import assert_unchanged, audit_trail
from tests.helpers.factories import (
    BankAccountFactory,
    OrganisationFactory,
    RedemptionFactory,
    UserFactory,
)
from tests.helpers.pages import parse_html, text_of
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

NEW_IBAN = "FR7630004000031234567890143"


@pytest.fixture
def organisation() -> Organisation:
    organisation = OrganisationFactory(representative_email="presidente@club.example.fr")
    BankAccountFactory(organisation=organisation, validated=True)
    return organisation


@pytest.fixture
def treasurer(client: Client, organisation: Organisation) -> Any:
    user = UserFactory(organisation_member=True, organisation=organisation)
    client.force_login(user)
    return user


def enter(client: Client, **overrides: Any) -> Any:
    data = {"holder": "Club de Test", "iban": NEW_IBAN, "bic": "", "rib_document": rib_upload()}
    data.update(overrides)
    return client.post(reverse("partner:bank_details"), data)


def confirm_url() -> str:
    return reverse("partner:bank_details_confirm")


def send_and_type(client: Client, code: str | None = None) -> Any:
    client.post(confirm_url(), {"action": "send"})
    typed = code if code is not None else last_sms_code()
    return client.post(confirm_url(), {"action": "verify", "code": typed})


def subjects() -> list[str]:
    run_queued_tasks()
    return [message.subject for message in mail.outbox]


def test_a_change_goes_draft_then_pending_then_validated_and_everyone_is_told(
    client: Client, organisation: Organisation, treasurer: Any
) -> None:
    old = organisation.current_bank_account()
    assert enter(client).status_code == 302
    draft = organisation.bank_accounts.get(status=B.DRAFT)
    assert draft.iban == NEW_IBAN and draft.entered_by == treasurer
    assert draft.rib_document.name.endswith(".pdf")

    response = send_and_type(client)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == B.PENDING and draft.confirmed_at is not None
    assert organisation.current_bank_account() == old  # still the old one until checked

    agent = UserFactory(gestionnaire=True)
    client.force_login(agent)
    client.post(reverse("backoffice:bank_account_validate", args=[organisation.pk, draft.pk]))

    draft.refresh_from_db()
    old.refresh_from_db()
    assert draft.status == B.VALIDATED and old.status == B.REPLACED
    sent = subjects()
    assert [
        word for word in ("saisies", "confirmées", "validées") if any(word in s for s in sent)
    ] == [
        "saisies",
        "confirmées",
        "validées",
    ]
    for message in mail.outbox:
        assert sorted(message.to) == sorted([treasurer.email, "presidente@club.example.fr"])
        assert NEW_IBAN not in message.body  # masked
        assert "si ce n'est pas vous" in message.body.lower()
    assert [action for action, _ in audit_trail(draft)][:3] == [
        "bank_account.enter",
        "bank_account.confirm",
        "bank_account.validate",
    ]


def test_the_sms_goes_to_the_legal_representative_and_the_code_follows_the_signature_rules(
    client: Client, organisation: Organisation, treasurer: Any
) -> None:
    enter(client)
    client.post(confirm_url(), {"action": "send"})
    code = last_sms_code()
    assert sms.outbox[-1].to == organisation.representative_mobile
    request = SignatureRequest.objects.get(bank_account__organisation=organisation)
    assert request.purpose == "bank_account"

    draft = organisation.bank_accounts.get(status=B.DRAFT)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(SignatureRequest.MAX_ATTEMPTS):
        # The code counts each wrong try by design: the account and the request stay.
        with assert_unchanged(draft, request, counted=[OneTimeCode]):
            page = parse_html(client.post(confirm_url(), {"action": "verify", "code": wrong}))
        assert not page.select_one("#id_code").get("value"), "a wrong code is typed again"
    with assert_unchanged(draft, request, *OneTimeCode.objects.all()):
        response = client.post(confirm_url(), {"action": "verify", "code": code})

    assert "Trop d'essais" in text_of(parse_html(response), "#id_code_error")
    assert organisation.bank_accounts.get(status=B.DRAFT)  # not confirmed
    # A second send within 30 seconds is refused.
    client.post(confirm_url(), {"action": "send"})
    with assert_unchanged(draft, request, counted=[OneTimeCode, SignatureRequest]):
        response = client.post(confirm_url(), {"action": "send"}, follow=True)
    assert "Attendez" in text_of(parse_html(response), ".messages")


def test_an_expired_code_or_details_changed_after_the_send_are_refused(
    client: Client, organisation: Organisation, treasurer: Any
) -> None:
    enter(client)
    client.post(confirm_url(), {"action": "send"})
    code = last_sms_code()
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    draft = organisation.bank_accounts.get(status=B.DRAFT)
    request = SignatureRequest.objects.get(bank_account=draft)
    with assert_unchanged(draft, request, *OneTimeCode.objects.all()):
        response = client.post(confirm_url(), {"action": "verify", "code": code})
    assert "expiré" in text_of(parse_html(response), "#id_code_error")

    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=1))
    client.post(confirm_url(), {"action": "send"})
    code = last_sms_code()
    enter(client, iban="FR7610107001011234567890129")  # changed after the code was sent
    draft.refresh_from_db()
    with assert_unchanged(draft, *SignatureRequest.objects.all(), *OneTimeCode.objects.all()):
        response = client.post(confirm_url(), {"action": "verify", "code": code})
    assert "ont changé depuis l'envoi du code" in text_of(parse_html(response), "#id_code_error")
    assert not organisation.bank_accounts.filter(status=B.PENDING).exists()


def test_a_rejected_change_leaves_the_old_account_in_use(
    client: Client, organisation: Organisation, treasurer: Any
) -> None:
    old = organisation.current_bank_account()
    enter(client)
    send_and_type(client)
    pending = organisation.bank_accounts.get(status=B.PENDING)
    client.force_login(UserFactory(gestionnaire=True))

    client.post(
        reverse("backoffice:bank_account_reject", args=[organisation.pk, pending.pk]),
        {"reason": "Le RIB ne correspond pas au titulaire"},
    )

    pending.refresh_from_db()
    assert pending.status == B.REJECTED
    assert organisation.current_bank_account() == old
    run_queued_tasks()
    rejected_mail = [m for m in mail.outbox if "refusées" in m.subject]
    assert len(rejected_mail) == 1
    assert "Le RIB ne correspond pas au titulaire" in rejected_mail[0].body


def test_a_change_never_affects_a_run_already_built(
    client: Client, organisation: Organisation, treasurer: Any
) -> None:
    old = organisation.current_bank_account()
    RedemptionFactory(organisation=organisation)
    run = payment_run_build(cut_off=timezone.now() + dt.timedelta(minutes=1))
    (payment,) = run.payments.all()
    enter(client)
    send_and_type(client)
    new = organisation.bank_accounts.get(status=B.PENDING)
    new.validate(actor=UserFactory(gestionnaire=True))

    payment.refresh_from_db()
    assert (payment.bank_account_id, payment.iban) == (old.pk, old.iban)
    RedemptionFactory(organisation=organisation)
    later = payment_run_build(cut_off=timezone.now() + dt.timedelta(minutes=2))
    assert later.payments.get().iban == NEW_IBAN


def test_the_person_who_entered_details_cannot_validate_them() -> None:
    agent = UserFactory(gestionnaire=True)
    account = BankAccountFactory(pending=True, entered_by=agent)

    with assert_unchanged(account), pytest.raises(DomainError, match="autre personne"):
        account.validate(actor=agent)


def test_a_second_change_waits_for_the_first_to_be_checked(
    client: Client, organisation: Organisation, treasurer: Any
) -> None:
    enter(client)
    send_and_type(client)

    page = client.get(reverse("partner:bank_details"))
    text = text_of(parse_html(page), "main")
    assert "attendent la vérification du département" in text
    with assert_unchanged(*BankAccount.objects.all(), counted=[BankAccount]):
        response = enter(client, iban="FR7610107001011234567890129")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"iban": "FR76 3000 4000 0312 3456 7890 144"}, "IBAN"),
        ({"holder": ""}, "obligatoire"),
        ({"rib_document": ""}, "RIB"),
    ],
)
def test_bad_details_are_refused_in_french_and_nothing_is_saved(
    client: Client,
    organisation: Organisation,
    treasurer: Any,
    overrides: dict[str, Any],
    message: str,
) -> None:
    with assert_unchanged(*BankAccount.objects.all(), counted=[BankAccount]):
        response = enter(client, **overrides)
    assert response.status_code == 200
    assert message in text_of(parse_html(response), "main")


def test_the_history_is_masked_for_the_partner(
    client: Client, organisation: Organisation, treasurer: Any
) -> None:
    old = organisation.current_bank_account()
    text = text_of(parse_html(client.get(reverse("partner:bank_details"))), "main")
    assert old.masked_iban in text and old.iban not in text


def test_another_organisation_cannot_see_or_confirm_this_change(
    client: Client, organisation: Organisation, treasurer: Any
) -> None:
    enter(client)
    draft = organisation.bank_accounts.get(status=B.DRAFT)
    other = OrganisationFactory()
    BankAccountFactory(organisation=other, validated=True)
    client.force_login(UserFactory(organisation_member=True, organisation=other))

    page = text_of(parse_html(client.get(reverse("partner:bank_details"))), "main")
    assert draft.masked_iban not in page
    with assert_unchanged(draft, counted=[SignatureRequest, OneTimeCode]):
        response = client.post(confirm_url(), {"action": "send"})
    assert response.status_code == 302  # nothing to confirm for *its* organisation
    assert not SignatureRequest.objects.filter(bank_account=draft).exists()
    assert client.get(reverse("partner:bank_details_confirm")).status_code == 302


def test_organisations_still_signing_use_the_wizard_not_this_page(client: Client) -> None:
    organisation = OrganisationFactory(signing=True)
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    assert client.get(reverse("partner:bank_details")).status_code == 403


def test_the_empty_form_shows_no_error_before_it_is_sent(
    client: Client, organisation: Organisation, treasurer: Any
) -> None:
    page = parse_html(client.get(reverse("partner:bank_details")))
    assert page.select_one("form input[name=iban]") is not None
    assert page.select(".errorlist") == []
