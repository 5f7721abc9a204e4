"""SMS waiting in the task queue: a one-time code is never stored in clear, a late SMS is
dropped, and a refusal that cannot change is not retried."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.notifications import sms
from passplus.notifications.sms import SmsDeliveryError
from passplus.notifications.tasks import sms_later
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_an_sms_is_encrypted_in_the_queue_and_delivered_in_clear() -> None:
    sms_later(to="+33612345678", text="Votre code est 483920.")

    stored = json.dumps(DBTaskResult.objects.get().args_kwargs)
    assert "483920" not in stored
    run_queued_tasks()
    assert [message.text for message in sms.outbox] == ["Votre code est 483920."]


def test_an_sms_delivered_after_its_validity_is_dropped() -> None:
    sms_later(
        to="+33612345678",
        text="Votre code est 111111.",
        valid_until=timezone.now() - dt.timedelta(seconds=1),
    )
    run_queued_tasks()
    assert sms.outbox == []


class RefusingBackend(sms.BaseSmsBackend):
    def send(self, message: sms.SmsMessage) -> None:
        raise SmsDeliveryError("HTTP 400 invalid number", retryable=False)


def test_a_permanent_refusal_is_not_retried(settings: object) -> None:
    settings.SMS_BACKEND = f"{__name__}.RefusingBackend"  # type: ignore[attr-defined]
    sms_later(to="+33612345678", text="Bonjour")

    run_queued_tasks()

    assert DBTaskResult.objects.count() == 1  # the failed attempt, and no retry queued
    assert DBTaskResult.objects.get().status == "FAILED"
