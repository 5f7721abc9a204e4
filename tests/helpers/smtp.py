"""A real SMTP server on localhost (aiosmtpd) that keeps what it receives, on a free port."""

from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class Mailbox:
    """An aiosmtpd handler keeping every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        """The received messages, parsed from the bytes that went over the wire."""
        parsed = []
        for envelope in self.envelopes:
            assert isinstance(envelope.original_content, bytes)
            message = email.message_from_bytes(
                envelope.original_content, policy=email.policy.default
            )
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed


def free_port() -> int:
    """A port nothing listens on (bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.mailbox = Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=port)
        self.running = False

    def start(self) -> Mailbox:
        self.controller.start()
        self.running = True
        return self.mailbox

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False
