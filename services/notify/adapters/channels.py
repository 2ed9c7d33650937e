"""Delivery channels: how a rendered notification leaves the system.

Every channel has ``name`` and ``send(message)``; ``send`` returns when the message was handed
over and raises :class:`DeliveryError` otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Protocol

from liaison.contracts.county_time import utcnow


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


class WebhookChannel:
    """HTTP POST of the notice as JSON to a station's own system.

    Headers: ``Idempotency-Key`` (the same on every retry of one notification) and, with a shared
    secret, ``X-Liaison-Signature: sha256=<hex HMAC of the body>``. Any 2xx is delivered; anything
    else (or no answer in ``timeout``) is a failed attempt, retried with backoff by notify.
    """

    name = "webhook"

    def __init__(self, secret: str | None = None, timeout: float = 10.0):
        self.secret = secret
        self.timeout = timeout

    def send(self, message: OutgoingMessage) -> None:
        body = json.dumps({
            "notification_id": message.notification_id, "case_id": message.case_id,
            "kind": message.kind, "subject": message.subject, "text": message.body,
        }, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "Idempotency-Key": message.message_id.strip("<>")}
        if self.secret:
            digest = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Liaison-Signature"] = f"sha256={digest}"
        _post(message.recipient, body, headers, self.timeout, "webhook")


class SmsGatewayChannel:
    """SMS through an HTTP gateway: POST ``{"to", "text", "id"}`` with a bearer token.

    Adapts to the usual shape of Chinese SMS providers' HTTP APIs; point ``url`` at the provider
    (or at an adapter in front of it).
    """

    name = "sms"

    def __init__(self, url: str, token: str | None = None, timeout: float = 10.0):
        self.url = url
        self.token = token
        self.timeout = timeout

    def send(self, message: OutgoingMessage) -> None:
        body = json.dumps({"to": message.recipient, "text": f"{message.subject}\n{message.body}",
                           "id": message.message_id.strip("<>")},
                          ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        _post(self.url, body, headers, self.timeout, "SMS gateway")


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float, what: str) -> None:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise DeliveryError(f"{what} answered {response.status}")
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"{what} answered {exc.code}") from exc
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"{what} unreachable: {exc}") from exc
