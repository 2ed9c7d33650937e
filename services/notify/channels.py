"""Delivery channels: how a rendered notification leaves the system.

Every channel has ``name`` and ``send(message)``; ``send`` returns when the message was handed
over and raises :class:`DeliveryError` otherwise.
"""

from __future__ import annotations

import json
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Protocol

from liaison.timeutil import utcnow


class DeliveryError(Exception):
    """The channel could not hand the message over (this attempt)."""


@dataclass(frozen=True)
class OutgoingMessage:
    notification_id: int
    case_id: str
    kind: str
    recipient: str
    recipient_masked: str
    subject: str
    body: str

    @property
    def message_id(self) -> str:
        """Stable across retries, so a receiving system can drop a repeat."""
        return f"<notification-{self.notification_id}.{self.case_id}@liaison.liangshan>"


class Channel(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> None: ...


class SmtpChannel:
    """E-mail through an SMTP server (plain, or STARTTLS with a login)."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int = 25,
        sender: str = "liaison@renda.liangshan.example",
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 15.0,
    ):
        self.host, self.port, self.sender = host, port, sender
        self.starttls, self.username, self.password = starttls, username, password
        self.timeout = timeout

    def send(self, message: OutgoingMessage) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = message.message_id
        email["X-Liaison-Case"] = message.case_id
        email["X-Liaison-Kind"] = message.kind
        email.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: {exc}") from exc


class FileChannel:
    """Appends each message as a JSON line to ``<dir>/<name>.jsonl`` (the demo's "mailbox").

    The recipient is written masked: this file is read by operators, not by the recipient.
    """

    def __init__(self, directory: str | Path, name: str):
        self.name = name
        self.path = Path(directory) / f"{name}.jsonl"

    def send(self, message: OutgoingMessage) -> None:
        line = json.dumps(
            {
                "at": utcnow().isoformat(),
                "message_id": message.message_id,
                "case_id": message.case_id,
                "kind": message.kind,
                "to": message.recipient_masked,
                "subject": message.subject,
                "body": message.body,
            },
            ensure_ascii=False,
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError as exc:
            raise DeliveryError(f"file channel {self.path}: {exc}") from exc
