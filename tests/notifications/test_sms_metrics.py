"""SMS are counted by outcome where they are handed to the backend (a task worker in
production): sent, failed (the task retries), dropped (too late to be useful)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from passplus.notifications import sms
from passplus.notifications.sms import SmsDeliveryError
from passplus.notifications.tasks import sms_later
from tests.helpers.metrics import metrics_on, scrape
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


class FailingBackend(sms.BaseSmsBackend):
    def send(self, message: sms.SmsMessage) -> None:
        raise SmsDeliveryError("HTTP 400 invalid number", retryable=False)


def sent(outcome: str) -> float:
    return scrape().value("passplus_sms_messages_total", outcome=outcome)


def test_an_sms_sent_through_the_test_backend_is_counted(settings: Any) -> None:
    metrics_on(settings)
    before = sent("sent")

    sms_later(to="+33612345678", text="Votre code est 483920.")
    sms_later(to="+33612345679", text="Votre code est 483921.")
    run_queued_tasks()

    assert len(sms.outbox) == 2
    assert sent("sent") == before + 2


def test_a_refused_sms_is_counted_as_failed(settings: Any) -> None:
    metrics_on(settings)
    settings.SMS_BACKEND = f"{__name__}.FailingBackend"
    before_sent, before_failed = sent("sent"), sent("failed")

    sms_later(to="+33612345678", text="Bonjour")
    run_queued_tasks()

    assert sent("failed") == before_failed + 1
    assert sent("sent") == before_sent


def test_an_sms_too_late_to_be_useful_is_counted_as_dropped(settings: Any) -> None:
    metrics_on(settings)
    before = sent("dropped")

    sms_later(
        to="+33612345678",
        text="Votre code est 111111.",
        valid_until=timezone.now() - dt.timedelta(seconds=1),
    )
    run_queued_tasks()

    assert sms.outbox == []
    assert sent("dropped") == before + 1
