"""A real SMTP server (aiosmtpd) on a free loopback port, recording what it receives."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message


@dataclass
class RecordingHandler:
    """Accepts every message, or refuses the next ``refuse`` messages with ``refusal``.

    ``delay`` seconds are spent before answering DATA, to widen race windows; ``on_data`` is
    called (in the server's thread) as each message arrives.
    """

    delay: float = 0.0
    refuse: int = 0
    refusal: str = "451 4.3.0 Try again later"
    on_data: Any = None
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.on_data is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.on_data)
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return self.refusal
            self.received.append(
                Received(
                    sender=envelope.mail_from,
                    recipients=list(envelope.rcpt_tos),
                    message=email.message_from_bytes(envelope.content),
                )
            )
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(r.message["Message-ID"]) for r in self.received]


class SMTPServer:
    def __init__(self, handler: RecordingHandler) -> None:
        self.handler = handler
        self.host = "127.0.0.1"
        self.port = free_port()
        self._controller = Controller(handler, hostname=self.host, port=self.port)

    def __enter__(self) -> SMTPServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()
