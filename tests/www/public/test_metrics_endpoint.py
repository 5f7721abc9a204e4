"""/metriques/: only with the token, in Prometheus's text format; requests counted by view name
and status (never by path); the figures read from the database match it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography import x509
from django.tasks import TaskResultStatus
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.notifications.tasks import email_later, sms_later
from passplus.payments.calendar import cut_offs_between
from passplus.signatures.sealing import get_signer
from tests.helpers.factories import PaymentRunFactory, RedemptionFactory
from tests.helpers.metrics import METRICS_TOKEN, metrics_on, scrape

URL = "/metriques/"


def test_the_address_is_metriques() -> None:
    assert reverse("public:metrics") == URL


@pytest.mark.django_db
def test_without_a_token_configured_the_page_does_not_exist(settings: Any) -> None:
    settings.PASSPLUS_METRICS_TOKEN = ""
    response = Client().get(URL, HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 404
    response = Client().get(URL, HTTP_AUTHORIZATION="Bearer anything")
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer  ", f"Basic {METRICS_TOKEN}"])
def test_without_a_bearer_token_the_answer_is_401(settings: Any, header: str | None) -> None:
    metrics_on(settings)
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = Client().get(URL, **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"passplus_" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["wrong", METRICS_TOKEN[:-1], METRICS_TOKEN + "x"])
def test_a_wrong_token_is_refused_with_403(settings: Any, token: str) -> None:
    metrics_on(settings)
    response = Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    assert b"passplus_" not in response.content


@pytest.mark.django_db
def test_the_right_token_gets_the_metrics_in_prometheus_text_format(settings: Any) -> None:
    metrics_on(settings)
    response = Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-cache" in response["Cache-Control"]
    names = set(scrape().families)
    assert {
        "passplus_http_requests",
        "passplus_http_request_duration_seconds",
        "passplus_tasks",
        "passplus_tasks_failed_for_good",
        "passplus_redemptions_entered",
        "passplus_ticket_lookup_blocks",
        "passplus_payment_cut_off_next_timestamp_seconds",
        "passplus_payment_runs_due",
        "passplus_seal_certificate_expiry_timestamp_seconds",
        "passplus_metrics_database_ok",
    } <= names
    assert scrape().value("passplus_metrics_database_ok") == 1


@pytest.mark.django_db
def test_a_request_is_counted_under_its_view_name_and_status(settings: Any) -> None:
    metrics_on(settings)
    labels = {"view": "public:health", "method": "GET", "status": "200"}
    before = scrape()

    assert Client().get("/sante/").status_code == 200

    after = scrape()
    assert after.value("passplus_http_requests_total", **labels) == (
        before.value("passplus_http_requests_total", **labels) + 1
    )
    count = "passplus_http_request_duration_seconds_count"
    assert after.value(count, view="public:health") == before.value(count, view="public:health") + 1


@pytest.mark.django_db
def test_paths_never_become_labels(settings: Any) -> None:
    metrics_on(settings)
    before = scrape()
    for number in range(3):
        Client().get(f"/nulle-part-{number}/")
    Client().get("/aide/convention/zz-inconnue/")

    after = scrape()
    assert not any("nulle-part" in value for value in after.label_values("view"))
    assert not any("zz-inconnue" in value for value in after.label_values("view"))
    unmatched = {"view": "unmatched", "method": "GET", "status": "404"}
    assert after.value("passplus_http_requests_total", **unmatched) == (
        before.value("passplus_http_requests_total", **unmatched) + 3
    )
    known = {"view": "public:convention_version", "method": "GET", "status": "404"}
    assert after.value("passplus_http_requests_total", **known) == (
        before.value("passplus_http_requests_total", **known) + 1
    )


@pytest.mark.django_db
def test_tasks_by_state_are_those_of_the_database(settings: Any) -> None:
    metrics_on(settings)
    sms_later(to="+33612345678", text="Bonjour")
    email_later(to=["a@example.fr"], subject="Objet", body="Texte")
    email_later(to=["b@example.fr"], subject="Objet", body="Texte")
    DBTaskResult.objects.filter(queue_name="sms").update(status=TaskResultStatus.FAILED)

    result = scrape()
    for queue in settings.TASKS["default"]["QUEUES"]:
        for status in TaskResultStatus:
            stored = DBTaskResult.objects.filter(queue_name=queue, status=status).count()
            assert result.value("passplus_tasks", queue=queue, status=status.value) == stored
    assert result.value("passplus_tasks", queue="emails", status="READY") == 2
    assert result.value("passplus_tasks", queue="sms", status="FAILED") == 1
    assert result.value("passplus_tasks_failed_for_good") == 1
    assert result.value("passplus_tasks_ready_oldest_age_seconds") >= 0


@pytest.mark.django_db
def test_payment_figures_follow_the_cut_offs_and_the_runs(settings: Any) -> None:
    metrics_on(settings)
    now = timezone.now()
    last_cut_off = cut_offs_between(now - dt.timedelta(days=40), now)[-1]
    RedemptionFactory(entered_at=last_cut_off - dt.timedelta(days=1))

    before = scrape()
    assert before.value("passplus_payment_cut_off_last_timestamp_seconds") == (
        last_cut_off.timestamp()
    )
    assert before.value("passplus_payment_cut_off_next_timestamp_seconds") > now.timestamp()
    assert before.value("passplus_payment_runs_due") >= 1
    oldest = before.value("passplus_payment_cut_off_oldest_unbuilt_timestamp_seconds")
    assert 0 < oldest <= last_cut_off.timestamp()
    assert "passplus_payment_run_last_built_timestamp_seconds" not in before.families

    run = PaymentRunFactory(cut_off=last_cut_off)
    after = scrape()
    assert after.value("passplus_payment_runs_due") == before.value("passplus_payment_runs_due") - 1
    assert after.value("passplus_payment_run_last_built_timestamp_seconds") == (
        run.built_at.timestamp()
    )


@pytest.mark.django_db
def test_the_seal_certificate_expiry_is_that_of_the_certificate_in_use(settings: Any) -> None:
    metrics_on(settings)
    certificate = get_signer().signing_cert
    assert certificate is not None
    expiry = x509.load_der_x509_certificate(certificate.dump()).not_valid_after_utc

    assert scrape().value("passplus_seal_certificate_expiry_timestamp_seconds") == (
        expiry.timestamp()
    )
