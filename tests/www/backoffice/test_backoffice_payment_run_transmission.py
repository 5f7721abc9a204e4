"""Issue 31, the run page: « Marquer comme transmise » is offered only once the SEPA file was
downloaded by a finance user other than the builder; before, a French sentence says why. A
transmitted run shows the hash recorded; a run transmitted before the rule says it has none."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passplus.payments.models import PaymentRun
from passplus.payments.models import PaymentRunStatus as RS
from tests.helpers.backoffice import messages_of
from tests.helpers.database import assert_unchanged, db_row
from tests.helpers.factories import PaymentFactory, PaymentRunFactory, UserFactory
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db


def approved_run(builder: Any) -> PaymentRun:
    run = PaymentRunFactory(approved=True, built_by=builder)
    PaymentFactory(run=run)
    return run


def seen_by(client: Client, run: PaymentRun, user: Any) -> tuple[set[str], str]:
    """The form actions of the page's action area, and its text, as `user` sees them."""
    client.force_login(user)
    page = parse_html(client.get(reverse("backoffice:payment_run", args=[run.pk])))
    actions = {str(form["action"]) for form in page.select("#actions form")}
    return actions, text_of(page, "#actions")


def download(client: Client, run: PaymentRun, user: Any) -> None:
    client.force_login(user)
    response = client.get(reverse("backoffice:payment_run_sepa", args=[run.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_the_transmission_is_offered_only_after_a_download_by_someone_other_than_the_builder(
    client: Client,
) -> None:
    builder = UserFactory(finance=True, first_name="Inès", last_name="Martin")
    run = approved_run(builder)
    approver = run.approved_by
    sent = reverse("backoffice:payment_run_sent", args=[run.pk])

    urls, text = seen_by(client, run, approver)
    assert sent not in urls
    assert (
        "Le fichier SEPA de cette campagne n'a pas encore été téléchargé par un agent des "
        "finances autre que Inès Martin, qui l'a constituée : elle ne peut pas être marquée "
        "transmise. Le bouton « Marquer comme transmise à la banque » apparaît ici une fois le "
        "fichier téléchargé (actualisez la page)."
    ) in text

    download(client, run, builder)
    urls, text = seen_by(client, run, approver)
    assert sent not in urls
    assert "n'a été téléchargé que par Inès Martin, qui l'a constituée" in text

    download(client, run, approver)
    urls, text = seen_by(client, run, builder)
    assert sent in urls
    assert f"Fichier téléchargé par {approver.full_name}" in text


def test_marking_transmitted_before_the_download_is_refused_in_french(client: Client) -> None:
    run = approved_run(UserFactory(finance=True))
    client.force_login(run.approved_by)

    with assert_unchanged(run):
        response = client.post(reverse("backoffice:payment_run_sent", args=[run.pk]), follow=True)

    assert messages_of(response) == [
        f"Le fichier SEPA de cette campagne n'a pas encore été téléchargé par un agent des "
        f"finances autre que {run.built_by.full_name}, qui l'a constituée : elle ne peut pas "
        "être marquée transmise."
    ]


def test_a_transmitted_run_shows_who_downloaded_the_file_and_the_hash_recorded(
    client: Client,
) -> None:
    run = approved_run(UserFactory(finance=True))
    download(client, run, run.approved_by)
    client.post(reverse("backoffice:payment_run_sent", args=[run.pk]))
    assert db_row(run)["status"] == RS.SENT

    page = parse_html(client.get(reverse("backoffice:payment_run", args=[run.pk])))
    summary = text_of(page, "dl.summary")
    assert f"téléchargé par {run.approved_by.full_name}" in summary
    assert f"SHA-256 du fichier transmis {db_row(run)['sepa_sha256']}" in summary


def test_a_run_transmitted_before_the_rule_says_no_hash_was_recorded(client: Client) -> None:
    run = PaymentRunFactory(approved=True, status=RS.SENT, sent_before_file_rule=True)
    client.force_login(UserFactory(finance=True))

    page = parse_html(client.get(reverse("backoffice:payment_run", args=[run.pk])))

    assert (
        "Transmise avant le contrôle du fichier SEPA : aucune empreinte du fichier remis à la "
        "banque n'a été enregistrée."
    ) in text_of(page, "dl.summary")
