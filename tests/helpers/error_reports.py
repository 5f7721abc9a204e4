"""Error reports in tests: sentry_sdk initialised with a transport that keeps the events it
would have sent, and put back to its uninitialised state afterwards."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from passplus.core.error_reporting import sentry_init

FAKE_DSN = "https://cle-publique@erreurs.example.invalid/1"


class CapturingTransport(Transport):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        for item in envelope.items:
            if item.type in ("event", "transaction") and item.payload.json is not None:
                self.events.append(item.payload.json)

    def sent_text(self) -> str:
        """Everything the events would have sent, as one string to search."""
        return json.dumps(self.events, ensure_ascii=False, default=str)


@contextmanager
def captured_error_reports(
    *, include_local_variables: bool = False
) -> Iterator[CapturingTransport]:
    transport = CapturingTransport()
    sentry_init(
        dsn=FAKE_DSN,
        environment="tests",
        release="passplus@tests",
        include_local_variables=include_local_variables,
        transport=transport,
    )
    try:
        yield transport
    finally:
        sentry_sdk.flush()
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)
