"""What the fault-injection run sends: valid submissions (AMQP and HTTP), invalid ones, poison.

Publishers here behave as a careful external form would: publisher confirms on, and a message
whose confirm did not arrive (connection lost, broker restarting, 503) is sent again until it is
confirmed. Sending twice is harmless by contract: ``external_id`` is the idempotency key.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kombu import Connection, Producer

from liaison.config import REPO_ROOT

log = logging.getLogger("chaos.workload")

TEMPLATES = REPO_ROOT / "deploy" / "demo" / "submissions.jsonl"


def load_templates(path: Path = TEMPLATES) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@dataclass(frozen=True)
class Planned:
    """One valid submission of the stream, and how it is sent."""

    external_id: str
    document: dict[str, Any]
    via_http: bool

    @property
    def wants_receipt(self) -> bool:
        """Whether notify owes the submitter a receipt (services/notify/rules/notices.py)."""
        s = self.document["submitter"]
        return not s.get("anonymous") and bool(s.get("email") or s.get("phone"))


def make_submissions(prefix: str, count: int, templates: list[dict[str, Any]],
                     http_every: int = 10) -> list[Planned]:
    """``count`` valid submissions over every station; contacts vary (e-mail, SMS, anonymous)."""
    planned = []
    for i in range(count):
        doc = json.loads(json.dumps(templates[i % len(templates)]))
        doc["external_id"] = f"{prefix}-{i:06d}"
        submitter = doc["submitter"]
        variant = (i // len(templates)) % 3
        if variant == 1:
            submitter["email"] = f"resident{i}@example.com"
        elif variant == 2:
            doc["submitter"] = {"type": submitter["type"], "anonymous": True}
        planned.append(Planned(doc["external_id"], doc, http_every > 0 and i % http_every == 3))
    return planned


def invalid_submissions(prefix: str, count: int = 2) -> list[dict[str, Any]]:
    """Submissions intake must reject and record (no title; a wrong type)."""
    bad = []
    for k in range(count):
        doc = {"external_id": f"{prefix}-bad-{k}", "channel": "wechat",
               "submitter": {"type": "resident", "anonymous": True},
               "content": "缺少标题的诉求", "submitted_at": "2026-11-20T09:15:00+08:00"}
        if k % 2:
            doc["title"] = 12345
        bad.append(doc)
    return bad


@dataclass(frozen=True)
class Poison:
    """A message that no consumer can ever process, and the dead-letter queues it must reach."""

    message_id: str
    exchange: str
    routing_key: str
    body: bytes
    dead_queues: tuple[str, ...]


def poison_messages(prefix: str) -> list[Poison]:
    now = datetime.now(UTC).isoformat()
    envelope = {
        "event_id": str(uuid.uuid4()), "event_type": "notification_sent", "schema_version": 1,
        # A valid event whose case id does not fit the archive's column: the insert fails every
        # time, so it is retried MAX_ATTEMPTS times and then parked (not parked at once).
        "case_id": "LS-" + "9" * 40, "occurred_at": now, "producer": "notify", "actor": "notify",
        "data": {"notification_id": 1, "kind": "receipt", "audience": "submitter",
                 "channel": "sms", "recipient": "138****0000", "attempts": 1, "error": None},
    }
    return [
        Poison(f"{prefix}-poison-notjson", "intake.events", "case_opened", b"\xff\xfe not json",
               ("routing.cases.dead", "archive.case-events.dead", "notify.case-events.dead")),
        Poison(f"{prefix}-poison-notevent", "routing.events", "case_routed",
               b'{"hello": "world"}', ("archive.case-events.dead", "notify.case-events.dead")),
        Poison(f"{prefix}-poison-toolong", "notify.events", "notification_sent",
               json.dumps(envelope).encode(), ("archive.case-events.dead",)),
    ]


class AmqpPublisher:
    """Publishes with confirms; reconnects and publishes again until the broker confirms."""

    def __init__(self, amqp_uri: str, give_up_after: float = 600):
        self.amqp_uri = amqp_uri
        self.give_up_after = give_up_after
        self.resends = 0
        self._connection: Connection | None = None
        self._producer: Producer | None = None

    def publish(self, body: bytes, exchange: str, routing_key: str,
                message_id: str | None = None) -> None:
        deadline = time.monotonic() + self.give_up_after
        while True:
            try:
                if self._producer is None:
                    self._connect()
                assert self._producer is not None
                self._producer.publish(body, exchange=exchange, routing_key=routing_key,
                                       content_type="application/json",
                                       content_encoding="utf-8", delivery_mode=2,
                                       message_id=message_id)
                return
            except Exception as exc:  # any broker trouble: the message was not confirmed
                self.resends += 1
                self.close()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"not confirmed after {self.give_up_after}s") from exc
                time.sleep(0.5)

    def _connect(self) -> None:
        connection = Connection(self.amqp_uri, transport_options={"confirm_publish": True},
                                connect_timeout=5, heartbeat=0)
        connection.connect()
        self._connection = connection
        self._producer = Producer(connection.channel())

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # noqa: BLE001 - already broken
                log.debug("closing a broken connection", exc_info=True)
        self._connection = None
        self._producer = None


class HttpSubmitter:
    """POSTs to the gateway; retries on 5xx, timeouts and refused connections, as a careful
    client would (the README promises 503 for "try again"; any other 5xx is noted)."""

    def __init__(self, base_url: str, give_up_after: float = 600):
        self.base_url = base_url
        self.give_up_after = give_up_after
        self.resends = 0
        self.unexpected: list[tuple[str, int, Any]] = []
        self.server_errors: list[tuple[str, int, Any]] = []

    def submit(self, document: dict[str, Any]) -> str | None:
        body = json.dumps(document, ensure_ascii=False).encode()
        deadline = time.monotonic() + self.give_up_after
        while time.monotonic() < deadline:
            request = urllib.request.Request(self.base_url + "/api/submissions", data=body,
                                             method="POST",
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    return json.loads(response.read())["status"]
            except urllib.error.HTTPError as error:
                payload = error.read()
                if error.code < 500:
                    self.unexpected.append((document["external_id"], error.code, payload[:300]))
                    return None
                if error.code != 503:  # the contract says 503 for "try again": noted, retried
                    self.server_errors.append((document["external_id"], error.code,
                                               payload[:120]))
            except (OSError, ValueError):
                pass
            self.resends += 1
            time.sleep(1.0)
        self.unexpected.append((document["external_id"], 0, "gave up"))
        return None


@dataclass
class Stream:
    """Sends a phase's messages at a steady rate on two threads (AMQP, HTTP)."""

    amqp: AmqpPublisher
    http: HttpSubmitter
    rate: float
    published: int = 0
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, planned: list[Planned], extra: Iterable[Callable[[], None]] = ()) -> \
            tuple[threading.Thread, threading.Thread]:
        """Start sending; ``extra`` (invalid bodies, poison) goes out mid-stream over AMQP."""
        by_amqp = [p for p in planned if not p.via_http]
        by_http = [p for p in planned if p.via_http]
        extras = list(extra)
        every = max(1, len(by_amqp) // (len(extras) + 1)) if extras else 0

        def send_amqp() -> None:
            interval = 1.0 / self.rate if self.rate > 0 else 0.0
            started = time.monotonic()
            for i, p in enumerate(by_amqp):
                if extras and every and i and i % every == 0:
                    extras.pop(0)()
                self.amqp.publish(json.dumps(p.document, ensure_ascii=False).encode(),
                                  "forms.events", "submission_received", p.external_id)
                self._count()
                delay = started + (i + 1) * interval - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            while extras:
                extras.pop(0)()

        def send_http() -> None:
            for p in by_http:
                if self.http.submit(p.document) is None:
                    self.errors.append(f"HTTP submission {p.external_id} not accepted")
                self._count()
                time.sleep(len(planned) / max(len(by_http), 1) / max(self.rate, 1.0))

        threads = (threading.Thread(target=self._guard(send_amqp), daemon=True),
                   threading.Thread(target=self._guard(send_http), daemon=True))
        for thread in threads:
            thread.start()
        return threads

    def _count(self) -> None:
        with self._lock:
            self.published += 1

    def _guard(self, target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except Exception as exc:  # noqa: BLE001 - reported in the phase's result
                self.errors.append(f"{type(exc).__name__}: {exc}")
        return run
