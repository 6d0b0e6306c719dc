"""Loopback receivers for notices: a flaky webhook and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import contextlib
import email
import json
import socket
import threading
from collections.abc import Iterator
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Hook:
    """A webhook receiver that answers 500 to the next `fail` requests, then 200. A request for
    notice ids in `slow` is answered only after that many seconds; one in `hold` only once the
    request it names has arrived (or after the seconds given, whichever comes first). `events`
    is what it saw, in order: ("arrived" | "answered", notice_ids)."""

    def __init__(self) -> None:
        self.fail = 0
        self.failures = 0
        self.slow: dict[str, float] = {}
        self.hold: dict[str, tuple[str, float]] = {}
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.paths: list[str] = []
        self.events: list[tuple[str, str]] = []
        self.lock = threading.Condition()
        self.port = 0

    def url(self, extra: str = "") -> str:
        return f"json://127.0.0.1:{self.port}/hook{extra}"

    def notice_ids(self) -> list[str]:
        return [payload["notice_ids"] for _, payload in self.received]


@pytest.fixture
def hook() -> Iterator[Hook]:
    receiver = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with receiver.lock:
                failing = receiver.fail > 0
                if failing:
                    receiver.fail -= 1
                    receiver.failures += 1
                else:
                    payload = json.loads(body)
                    ids = payload["notice_ids"]
                    receiver.received.append((dict(self.headers), payload))
                    receiver.paths.append(self.path)
                    receiver.events.append(("arrived", ids))
                    receiver.lock.notify_all()
            if failing:
                self.send_response(500)
            else:
                until, most = receiver.hold.get(ids, ("", receiver.slow.get(ids, 0)))
                with receiver.lock:  # a slow receiver's answer
                    receiver.lock.wait_for(lambda: ("arrived", until) in receiver.events, most)
                    receiver.events.append(("answered", ids))
                self.send_response(200)
            self.send_header("Content-Length", "0")
            with contextlib.suppress(OSError):  # the sender may have stopped waiting
                self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server on 127.0.0.1 that accepts login 'reporter' / 'Dung-Mat-Khau'."""

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (data.login, data.password) == (b"reporter", b"Dung-Mat-Khau")
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535

    box, port = Mailbox(), free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, authenticator=authenticate, auth_require_tls=False
    )
    controller.start()
    yield box, port
    controller.stop()
