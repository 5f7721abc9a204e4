"""Issue 31: a run is « transmise » only with its SEPA file produced and downloaded by a finance
user other than its builder, and the transmission records the file's SHA-256 (docs/design.md
§4). Two runs had been approved, transmitted and paid without any file: nothing to compare with
what the bank received."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from passplus.core.errors import DomainError
from passplus.payments.models import PaymentRun
from passplus.payments.models import PaymentRunStatus as RS
from passplus.payments.services import (
    payment_run_approve,
    payment_run_check,
    payment_run_sepa_download,
    payment_run_sepa_file,
    payment_run_transmit,
)
from tests.helpers.database import assert_unchanged, audit_trail, db_row
from tests.helpers.factories import PaymentFactory, PaymentRunFactory, UserFactory

pytestmark = pytest.mark.django_db

NOT_DOWNLOADED = (
    "Le fichier SEPA de cette campagne n'a pas encore été téléchargé par un agent des finances "
    "autre que {builder}, qui l'a constituée : elle ne peut pas être marquée transmise."
)


def approved_by_two(builder: Any = None) -> PaymentRun:
    """A run built by `builder` (a new finance user by default), approved by a colleague,
    with one transfer (a SEPA file needs one)."""
    run = PaymentRunFactory(approved=True, built_by=builder or UserFactory(finance=True))
    PaymentFactory(run=run)
    return run


def stored_sha256(run: PaymentRun) -> str:
    with run.sepa_file.open("rb") as stored:
        return hashlib.sha256(stored.read()).hexdigest()


def test_a_run_whose_file_was_never_produced_is_not_marked_transmitted() -> None:
    """The incident: approved, then marked transmitted with no file at all."""
    run = approved_by_two()

    with assert_unchanged(run), pytest.raises(DomainError) as refusal:
        payment_run_transmit(run=run, actor=UserFactory(finance=True))

    assert str(refusal.value) == NOT_DOWNLOADED.format(builder=run.built_by.full_name)
    assert not PaymentRun.objects.get(pk=run.pk).sepa_file


def test_a_file_produced_but_never_downloaded_does_not_allow_the_transmission() -> None:
    run = approved_by_two()
    payment_run_sepa_file(run=run, actor=run.approved_by)

    with assert_unchanged(run), pytest.raises(DomainError, match="pas encore été téléchargé"):
        payment_run_transmit(run=run, actor=run.approved_by)


def test_a_file_downloaded_only_by_its_builder_does_not_allow_the_transmission() -> None:
    builder = UserFactory(finance=True, first_name="Inès", last_name="Martin")
    run = approved_by_two(builder)
    payment_run_sepa_download(run=run, actor=builder)

    with assert_unchanged(run), pytest.raises(DomainError) as refusal:
        payment_run_transmit(run=run, actor=builder)

    assert str(refusal.value) == (
        "Le fichier SEPA de cette campagne n'a été téléchargé que par Inès Martin, qui l'a "
        "constituée : un autre agent des finances doit le télécharger avant qu'elle soit "
        "marquée transmise."
    )
    assert db_row(run)["sepa_downloaded_by_id"] is None


@pytest.mark.parametrize(
    "traits",
    [{"admin": True}, {"finance": True, "is_active": False}],
    ids=["admin", "inactive-finance"],
)
def test_a_download_by_someone_outside_the_finance_team_does_not_count(
    traits: dict[str, Any],
) -> None:
    """An administrator reaches the file (the pages let admins in), but four eyes are two
    finance people: their download is audited and allows nothing."""
    run = approved_by_two()
    payment_run_sepa_download(run=run, actor=UserFactory(**traits))

    with assert_unchanged(run), pytest.raises(DomainError, match="pas encore été téléchargé"):
        payment_run_transmit(run=run, actor=run.approved_by)


def test_a_download_by_the_approver_allows_the_transmission_which_records_the_files_sha256() -> (
    None
):
    builder = UserFactory(finance=True)
    run = approved_by_two(builder)
    approver = run.approved_by
    payment_run_sepa_download(run=run, actor=builder)  # does not count
    payment_run_sepa_download(run=run, actor=approver)

    payment_run_transmit(run=run, actor=builder)  # whoever marks it, once downloaded

    run.refresh_from_db()
    assert run.status == RS.SENT
    assert run.sepa_downloaded_by == approver
    assert run.sent_sha256 == run.sepa_sha256 == stored_sha256(run)
    assert len(run.sent_sha256) == 64
    assert audit_trail(run)[-1] == ("payment_run.send", builder.pk)


def test_the_first_eligible_download_is_the_one_recorded() -> None:
    run = approved_by_two()
    first, second = UserFactory(finance=True), UserFactory(finance=True)

    payment_run_sepa_download(run=run, actor=first)
    at = db_row(run)["sepa_downloaded_at"]
    payment_run_sepa_download(run=run, actor=second)

    assert (db_row(run)["sepa_downloaded_by_id"], db_row(run)["sepa_downloaded_at"]) == (
        first.pk,
        at,
    )
    assert at is not None


@pytest.mark.parametrize("who", ["checker", "approver", "third"])
def test_a_system_built_run_may_be_downloaded_by_any_finance_user(who: str) -> None:
    """The scheduler built it: no person is its builder. Its checker and its approver are
    already two people; either, or a third finance user, may download the file."""
    run = PaymentRunFactory(built_by=None)
    PaymentFactory(run=run)
    people = {"checker": UserFactory(finance=True), "approver": UserFactory(finance=True)}
    payment_run_check(run=run, actor=people["checker"])
    payment_run_approve(run=run, actor=people["approver"])
    downloader = people.get(who) or UserFactory(finance=True)

    payment_run_sepa_download(run=run, actor=downloader)
    payment_run_transmit(run=run, actor=UserFactory(finance=True))

    row = db_row(run)
    assert (row["status"], row["sepa_downloaded_by_id"]) == (RS.SENT, downloader.pk)
    assert row["sent_sha256"] == row["sepa_sha256"] != ""


def test_a_stored_file_altered_since_it_was_produced_is_not_transmitted() -> None:
    """The hash recorded is the one of the bytes stored now, checked against the one taken
    when the file was produced: a file changed on disk is not vouched for."""
    run = approved_by_two()
    payment_run_sepa_download(run=run, actor=run.approved_by)
    run.refresh_from_db()
    with open(run.sepa_file.path, "ab") as stored:
        stored.write(b"<!-- altered -->")

    with assert_unchanged(run), pytest.raises(DomainError, match="ne correspond plus"):
        payment_run_transmit(run=run, actor=run.approved_by)


def test_a_stored_file_gone_from_the_disk_is_not_transmitted() -> None:
    run = approved_by_two()
    payment_run_sepa_download(run=run, actor=run.approved_by)
    run.refresh_from_db()
    run.sepa_file.storage.delete(run.sepa_file.name)

    with assert_unchanged(run), pytest.raises(DomainError, match="introuvable"):
        payment_run_transmit(run=run, actor=run.approved_by)


def test_a_download_after_the_transmission_changes_nothing_on_the_run() -> None:
    run = approved_by_two()
    payment_run_sepa_download(run=run, actor=run.approved_by)
    payment_run_transmit(run=run, actor=run.approved_by)
    before = db_row(run)

    payment_run_sepa_download(run=run, actor=UserFactory(finance=True))

    assert db_row(run) == before
