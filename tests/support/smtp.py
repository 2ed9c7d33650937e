"""A real SMTP server (aiosmtpd, in its own process) delivering into a Maildir."""

from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import time
from email.message import Message
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    def __init__(self, directory: Path):
        self.maildir = directory / "maildir"
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> SmtpSink:
        mailbox.Maildir(self.maildir, create=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-u", "-l", f"127.0.0.1:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("aiosmtpd did not start")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def messages(self) -> list[Message]:
        return list(mailbox.Maildir(self.maildir, create=False))

    def messages_for_case(self, case_id: str) -> list[Message]:
        return [m for m in self.messages() if m["X-Liaison-Case"] == case_id]
