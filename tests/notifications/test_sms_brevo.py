"""The Brevo SMS backend, against a local HTTP server standing in for Brevo's API: what is
posted, how a refusal or an outage is reported (never with the code), and that the SMS task
retries it."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from inspect import signature
from typing import Any
from unittest import mock
from urllib.request import OpenerDirector

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from passplus.notifications import sms
from passplus.notifications.sms import SmsDeliveryError, get_backend, send_sms_now
from passplus.notifications.tasks import sms_later
from tests.helpers.tasks import make_retries_due, ready, run_queued_tasks

API_KEY = "xkeysib-test-key"
PATH = "/v3/transactionalSMS/send"
PHONE = "+33612345678"
TEXT = "Votre code Pass+ : 483920"
CODE = "483920"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeBrevo:
    """What the server answers next, and every request it received."""

    port: int
    status: int = 201
    answer: bytes = b'{"messageId": 1511882900176220}'
    content_type: str = "application/json"
    # Cleared, the server holds its answer until the test ends (a provider that hangs).
    answering: threading.Event = field(default_factory=threading.Event)
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.answering.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def answer_json(self, status: int, body: dict[str, Any]) -> None:
        self.status, self.answer = status, json.dumps(body).encode()


def handler_for(fake: FakeBrevo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            fake.requests.append(
                Recorded(
                    method=self.command,
                    path=self.path,
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=body,
                )
            )
            fake.answering.wait(timeout=10)
            self.send_response(fake.status)
            self.send_header("Content-Type", fake.content_type)
            self.send_header("Content-Length", str(len(fake.answer)))
            if 300 <= fake.status < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            try:
                self.end_headers()
                self.wfile.write(fake.answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output quiet

    return Handler


@pytest.fixture
def brevo(settings: Any) -> Iterator[FakeBrevo]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    fake = FakeBrevo(port=server.server_address[1])
    server.RequestHandlerClass = handler_for(fake)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.SMS_BACKEND = "passplus.notifications.sms.BrevoBackend"
    settings.SMS_BREVO_API_KEY = API_KEY
    settings.SMS_BREVO_API_URL = fake.url
    settings.SMS_HTTP_TIMEOUT = 5
    yield fake
    fake.answering.set()  # let a held request end before the server closes
    server.shutdown()
    server.server_close()
    thread.join()


def free_port() -> int:
    """A port nothing listens on (bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# What is sent -----------------------------------------------------------------------------------


def test_an_sms_is_posted_to_brevo_as_json_with_the_api_key(brevo: FakeBrevo) -> None:
    send_sms_now(PHONE, TEXT)

    (request,) = brevo.requests
    assert (request.method, request.path) == ("POST", PATH)
    assert request.headers["api-key"] == API_KEY
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == {
        "sender": "PASSPLUS",
        "recipient": "33612345678",  # E.164 without the "+"
        "content": TEXT,
        "type": "transactional",
    }
    assert sms.outbox == []


def test_the_brevo_backend_refuses_to_start_without_an_api_key(settings: Any) -> None:
    settings.SMS_BACKEND = "passplus.notifications.sms.BrevoBackend"
    settings.SMS_BREVO_API_KEY = ""

    with pytest.raises(ImproperlyConfigured, match="SMS_BREVO_API_KEY"):
        get_backend()


def test_the_api_key_is_never_sent_over_plain_http_to_another_host(settings: Any) -> None:
    settings.SMS_BACKEND = "passplus.notifications.sms.BrevoBackend"
    settings.SMS_BREVO_API_KEY = API_KEY
    settings.SMS_BREVO_API_URL = "http://api.brevo.com/v3/transactionalSMS/send"

    with pytest.raises(ImproperlyConfigured, match="https"):
        get_backend()


# Refusals and outages ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 401, 500])
def test_a_refusal_raises_with_the_status_and_the_providers_error_but_not_the_text(
    brevo: FakeBrevo, status: int
) -> None:
    brevo.answer_json(status, {"code": "invalid_parameter", "message": "Invalid phone number"})

    with pytest.raises(SmsDeliveryError) as raised:
        send_sms_now(PHONE, TEXT)

    message = str(raised.value)
    assert f"HTTP {status}" in message
    assert "invalid_parameter: Invalid phone number" in message
    assert CODE not in message


def test_a_provider_error_echoing_the_message_does_not_leak_the_code(brevo: FakeBrevo) -> None:
    brevo.answer_json(400, {"code": "invalid_parameter", "message": f"Bad content: {TEXT}"})

    with pytest.raises(SmsDeliveryError) as raised:
        send_sms_now(PHONE, TEXT)

    assert "HTTP 400" in str(raised.value)
    assert CODE not in str(raised.value)


def test_a_non_json_error_page_is_reported_shortened(brevo: FakeBrevo) -> None:
    brevo.status, brevo.content_type = 502, "text/html"
    brevo.answer = b"<html><body><h1>502 Bad Gateway</h1>" + b"x" * 5000 + b"</body></html>"

    with pytest.raises(SmsDeliveryError) as raised:
        send_sms_now(PHONE, TEXT)

    assert str(raised.value).startswith("Brevo refused the SMS: HTTP 502 <html><body><h1>502 Bad")
    assert len(str(raised.value)) < 400


def test_a_redirect_is_not_followed(brevo: FakeBrevo) -> None:
    brevo.status = 302

    with pytest.raises(SmsDeliveryError, match="HTTP 302"):
        send_sms_now(PHONE, TEXT)

    assert len(brevo.requests) == 1


def test_a_refused_connection_raises_an_sms_delivery_error(settings: Any) -> None:
    settings.SMS_BACKEND = "passplus.notifications.sms.BrevoBackend"
    settings.SMS_BREVO_API_KEY = API_KEY
    settings.SMS_BREVO_API_URL = f"http://127.0.0.1:{free_port()}{PATH}"

    with pytest.raises(SmsDeliveryError, match="could not be reached") as raised:
        send_sms_now(PHONE, TEXT)

    assert "Connection refused" in str(raised.value)
    assert CODE not in str(raised.value)


def test_a_provider_that_does_not_answer_within_the_timeout_raises_an_sms_delivery_error(
    brevo: FakeBrevo, settings: Any
) -> None:
    """The setting is what bounds the wait: the provider here never answers while the test
    runs, so without the timeout the send would hang (no duration is measured: time limits
    belong in the benchmarks)."""
    settings.SMS_HTTP_TIMEOUT = 0.2
    brevo.answering.clear()
    opened: list[float | None] = []
    real_open = OpenerDirector.open

    def open_recording_its_timeout(self: OpenerDirector, *args: Any, **kwargs: Any) -> Any:
        opened.append(signature(real_open).bind(self, *args, **kwargs).arguments.get("timeout"))
        return real_open(self, *args, **kwargs)

    with (
        mock.patch.object(OpenerDirector, "open", open_recording_its_timeout),
        pytest.raises(SmsDeliveryError, match="could not be reached") as raised,
    ):
        send_sms_now(PHONE, TEXT)

    assert opened == [0.2]
    assert "timed out" in str(raised.value)
    assert CODE not in str(raised.value)


# Through the task queue -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refused_sms_task_is_retried_later_and_sent_once_brevo_accepts_it(
    brevo: FakeBrevo,
) -> None:
    brevo.answer_json(500, {"code": "internal_error", "message": "Service unavailable"})
    sms_later(to=PHONE, text=TEXT)

    run_queued_tasks()

    failed = DBTaskResult.objects.failed().get()
    assert failed.exception_class_path == "passplus.notifications.sms.SmsDeliveryError"
    assert "HTTP 500" in failed.traceback
    assert CODE not in failed.traceback
    retry = ready().get()
    assert retry.queue_name == "sms"
    assert retry.args_kwargs["kwargs"] == {**failed.args_kwargs["kwargs"], "attempt": 2}
    assert CODE not in json.dumps(retry.args_kwargs)  # the code waits encrypted
    assert retry.run_after > timezone.now()

    run_queued_tasks()  # not due yet
    assert len(brevo.requests) == 1

    brevo.answer_json(201, {"messageId": 42})
    make_retries_due()
    run_queued_tasks()

    assert len(brevo.requests) == 2
    assert json.loads(brevo.requests[1].body)["content"] == TEXT
    assert DBTaskResult.objects.successful().get().args_kwargs["kwargs"]["attempt"] == 2
    assert not ready().exists()
