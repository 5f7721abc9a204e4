"""A local SMTP server (tests/helpers/smtp.py) that stalls in the middle of the first message's
exchange, so that a test can kill the worker sending it at that exact point:

- `Stall.BEFORE_STORING`: the message's data received, not kept; the server waits, then answers
  "451" (a temporary refusal) — the worker dies during the exchange and nothing is delivered;
- `Stall.AFTER_STORING`: the message kept (delivered), then the server waits before answering
  "250" — the worker dies before it hears "accepted".

Later messages, and every message with no stall, go through at once. `stalled` is set when the
stall begins; setting `released` ends it (`stop()` does, so that the server stops promptly)."""

from __future__ import annotations

import asyncio
import enum
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.helpers.smtp import Mailbox

STALL_SECONDS = 120  # at most; the test kills the worker long before


class Stall(enum.Enum):
    BEFORE_STORING = "before storing"
    AFTER_STORING = "after storing"


class StallingMailbox(Mailbox):
    def __init__(self, stall: Stall | None) -> None:
        super().__init__()
        self.stall = stall
        self.stalled = threading.Event()
        self.released = threading.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        stall, self.stall = self.stall, None  # only the first message stalls
        if stall is None:
            return await super().handle_DATA(server, session, envelope)
        if stall is Stall.AFTER_STORING:
            self.envelopes.append(envelope)
        self.stalled.set()
        deadline = time.monotonic() + STALL_SECONDS
        while not self.released.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if stall is Stall.AFTER_STORING:
            return "250 Message accepted for delivery"
        return "451 Try again later"


class StallingSmtpServer:
    def __init__(self, port: int, stall: Stall | None = None) -> None:
        self.mailbox = StallingMailbox(stall)
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=port)
        self.running = False

    def start(self) -> StallingMailbox:
        self.controller.start()
        self.running = True
        return self.mailbox

    def stop(self) -> None:
        self.mailbox.released.set()
        if self.running:
            self.controller.stop()
            self.running = False
