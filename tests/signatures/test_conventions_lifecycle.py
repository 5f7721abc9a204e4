"""Convention signature and its evidence: one-time SMS codes, hashed, counted, limited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from passplus.accounts.models import hash_token
from passplus.conventions.models import ConventionStatus as C
from passplus.core.errors import DomainError, TransitionError
from passplus.signatures import models as signature_models
from passplus.signatures.models import OneTimeCode, SignatureRequest
from passplus.signatures.models import SignatureStatus as SS
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.factories import ConventionFactory, SignatureRequestFactory, UserFactory

pytestmark = pytest.mark.django_db


# Convention ------------------------------------------------------------------------------------


def test_a_pending_convention_with_rules_and_terms_accepted_is_signed() -> None:
    convention = ConventionFactory(accepted=True)
    representative = UserFactory(organisation_member=True)

    convention.sign(actor=representative)

    assert db_row(convention)["status"] == C.SIGNED
    assert db_row(convention)["signed_at"] is not None
    assert audit_trail(convention) == [("convention.sign", representative.pk)]


@pytest.mark.parametrize(
    "accepted",
    [
        {},
        {"rules_accepted_at": dt.datetime(2026, 9, 1, tzinfo=dt.UTC)},
        {"terms_accepted_at": dt.datetime(2026, 9, 1, tzinfo=dt.UTC)},
    ],
    ids=["nothing-accepted", "terms-missing", "rules-missing"],
)
def test_a_convention_is_signed_only_after_accepting_the_rules_and_the_terms(
    accepted: dict[str, dt.datetime],
) -> None:
    convention = ConventionFactory(**accepted)

    with assert_unchanged(convention), pytest.raises(DomainError, match="Acceptez"):
        convention.sign(actor=UserFactory(organisation_member=True))


@pytest.mark.parametrize("status", [C.SIGNED, C.CANCELLED])
def test_only_a_pending_convention_can_be_signed(status: str) -> None:
    convention = ConventionFactory(accepted=True, status=status)

    with assert_unchanged(convention), pytest.raises(TransitionError):
        convention.sign(actor=UserFactory(organisation_member=True))


def test_a_pending_convention_can_be_abandoned() -> None:
    convention = ConventionFactory()
    staff = UserFactory(gestionnaire=True)

    convention.cancel(actor=staff, reason="Doublon")

    assert db_row(convention)["status"] == C.CANCELLED
    assert audit_trail(convention) == [("convention.cancel", staff.pk)]


@pytest.mark.parametrize("status", [C.SIGNED, C.CANCELLED])
def test_a_signed_or_abandoned_convention_cannot_be_abandoned(status: str) -> None:
    convention = ConventionFactory(accepted=True, status=status)

    with assert_unchanged(convention), pytest.raises(TransitionError):
        convention.cancel(actor=UserFactory(gestionnaire=True))


# One-time codes --------------------------------------------------------------------------------


def test_an_issued_code_is_six_digits_and_only_its_hash_is_stored() -> None:
    request = SignatureRequestFactory()

    code = request.issue_code()

    assert re.fullmatch(r"\d{6}", code)
    stored = OneTimeCode.objects.get(request=request)
    assert stored.code_hash == hash_token(code)
    for row in OneTimeCode.objects.values():
        assert all(code not in str(value) for value in row.values())
    assert timezone.now() < stored.expires_at <= timezone.now() + OneTimeCode.VALIDITY


def test_the_right_code_signs_the_request_and_uses_the_code() -> None:
    request = SignatureRequestFactory()
    code = request.issue_code()
    signer = UserFactory(organisation_member=True)

    request.verify(f" {code} ", actor=signer)

    assert db_row(request)["status"] == SS.SIGNED
    assert db_row(request)["signed_at"] is not None
    assert OneTimeCode.objects.get(request=request).used_at is not None
    assert audit_trail(request) == [("signature.sign", signer.pk)]


def backdate_codes() -> None:
    """Pretend the codes were sent long enough ago for a new one to be allowed."""
    OneTimeCode.objects.update(created_at=timezone.now() - SignatureRequest.RESEND_DELAY * 2)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.mark.django_db(transaction=True)
def test_a_wrong_code_is_refused_and_its_attempt_stays_counted() -> None:
    request = SignatureRequestFactory()
    code = request.issue_code()

    # The code's attempt counter is written by design (below): only the request stays as it was.
    with (
        assert_unchanged(request, counted=[OneTimeCode]),
        pytest.raises(DomainError, match="Il vous reste 4 essai"),
    ):
        request.verify(wrong(code), actor=None)

    assert not connection.in_atomic_block  # the count below was committed, not pending
    assert OneTimeCode.objects.get(request=request).attempts == 1
    assert db_row(request)["status"] == SS.PENDING
    assert audit_trail(request) == []


def test_five_wrong_codes_block_even_the_right_one() -> None:
    request = SignatureRequestFactory()
    code = request.issue_code()
    # Each wrong try counts on the code by design: the request and the codes' number stay.
    for remaining in (4, 3, 2, 1):
        with (
            assert_unchanged(request, counted=[OneTimeCode]),
            pytest.raises(DomainError, match=f"Il vous reste {remaining} essai"),
        ):
            request.verify(wrong(code), actor=None)
    with (
        assert_unchanged(request, counted=[OneTimeCode]),
        pytest.raises(DomainError, match="plus d'essai"),
    ):
        request.verify(wrong(code), actor=None)

    stored = OneTimeCode.objects.get(request=request)
    with assert_unchanged(request, stored), pytest.raises(DomainError, match="Trop d'essais"):
        request.verify(code, actor=None)

    assert stored.attempts == SignatureRequest.MAX_ATTEMPTS


def test_a_new_code_can_be_asked_after_too_many_wrong_attempts() -> None:
    request = SignatureRequestFactory()
    request.issue_code()
    OneTimeCode.objects.update(attempts=SignatureRequest.MAX_ATTEMPTS)
    backdate_codes()

    second = request.issue_code()
    request.verify(second, actor=None)

    assert db_row(request)["status"] == SS.SIGNED
    assert OneTimeCode.objects.filter(request=request).count() == 2


def test_an_older_code_stops_working_once_a_new_one_is_issued(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draws = iter([111111, 222222])
    monkeypatch.setattr(signature_models.secrets, "randbelow", lambda _n: next(draws))
    request = SignatureRequestFactory()
    first = request.issue_code()
    backdate_codes()
    assert (first, request.issue_code()) == ("111111", "222222")

    # The newest code counts the wrong try by design: the request and the codes' number stay.
    with (
        assert_unchanged(request, counted=[OneTimeCode]),
        pytest.raises(DomainError, match="Code incorrect"),
    ):
        request.verify("111111", actor=None)

    assert db_row(request)["status"] == SS.PENDING
    request.verify("222222", actor=None)
    assert db_row(request)["status"] == SS.SIGNED


def test_an_expired_code_is_refused_even_when_right() -> None:
    request = SignatureRequestFactory()
    code = request.issue_code()
    stored = OneTimeCode.objects.get(request=request)
    OneTimeCode.objects.filter(pk=stored.pk).update(expires_at=timezone.now())

    with assert_unchanged(request, stored), pytest.raises(DomainError, match="expiré"):
        request.verify(code, actor=None)


def test_at_most_five_codes_are_sent_for_one_request() -> None:
    request = SignatureRequestFactory()
    for _ in range(SignatureRequest.MAX_CODES):
        request.issue_code()
        backdate_codes()

    with (
        assert_unchanged(request, counted=[OneTimeCode]),
        pytest.raises(DomainError, match="nombre maximal de codes"),
    ):
        request.issue_code()

    assert OneTimeCode.objects.filter(request=request).count() == 5


def test_a_second_code_waits_thirty_seconds() -> None:
    request = SignatureRequestFactory()
    request.issue_code()

    with (
        assert_unchanged(request, counted=[OneTimeCode]),
        pytest.raises(DomainError, match=r"Attendez \d+ secondes"),
    ):
        request.issue_code()

    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=31))
    request.issue_code()
    assert OneTimeCode.objects.filter(request=request).count() == 2


def test_a_code_sent_for_other_data_is_refused_and_voided() -> None:
    request = SignatureRequestFactory()
    code = request.issue_code(fingerprint="a" * 64)
    stored = OneTimeCode.objects.get(request=request)

    with assert_unchanged(request), pytest.raises(DomainError, match="ont changé"):
        request.verify(code, actor=None, fingerprint="b" * 64)

    stored.refresh_from_db()
    assert stored.expires_at <= timezone.now() and stored.used_at is None
    # Voided for good: the data it was sent for coming back does not revive it.
    with assert_unchanged(request), pytest.raises(DomainError, match="expiré"):
        request.verify(code, actor=None, fingerprint="a" * 64)
    assert db_row(request)["status"] == SS.PENDING


def test_the_signature_keeps_ip_and_user_agent() -> None:
    request = SignatureRequestFactory()
    code = request.issue_code()

    request.verify(code, actor=None, ip="203.0.113.7", user_agent="Firefox/140")

    row = db_row(request)
    assert (row["signed_ip"], row["signed_user_agent"]) == ("203.0.113.7", "Firefox/140")


def test_no_code_is_checked_before_one_is_issued() -> None:
    request = SignatureRequestFactory()

    with assert_unchanged(request), pytest.raises(DomainError, match="Aucun code"):
        request.verify("123456", actor=None)


@pytest.mark.parametrize("status", [SS.SIGNED, SS.EXPIRED, SS.FAILED])
def test_a_finished_request_neither_issues_nor_checks_codes(status: str) -> None:
    request = SignatureRequestFactory()
    code = request.issue_code()
    SignatureRequest.objects.filter(pk=request.pk).update(status=status)
    request.refresh_from_db()

    with assert_unchanged(request, counted=[OneTimeCode]), pytest.raises(DomainError):
        request.issue_code()
    with assert_unchanged(request, counted=[OneTimeCode]), pytest.raises(DomainError):
        request.verify(code, actor=None)


@pytest.mark.parametrize(
    ("method", "end", "action"),
    [("expire", SS.EXPIRED, "signature.expire"), ("block", SS.FAILED, "signature.block")],
)
def test_a_pending_request_can_expire_or_be_blocked(method: str, end: str, action: str) -> None:
    request = SignatureRequestFactory()
    staff = UserFactory(gestionnaire=True)

    getattr(request, method)(actor=staff)

    assert db_row(request)["status"] == end
    assert audit_trail(request) == [(action, staff.pk)]


@pytest.mark.parametrize("status", [SS.SIGNED, SS.EXPIRED, SS.FAILED])
@pytest.mark.parametrize("method", ["expire", "block"])
def test_only_a_pending_request_can_expire_or_be_blocked(method: str, status: str) -> None:
    request = SignatureRequestFactory(status=status)

    with assert_unchanged(request), pytest.raises(TransitionError):
        getattr(request, method)(actor=None)
