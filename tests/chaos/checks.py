"""What "nothing lost, nothing twice" means, checked from the databases, the queues and what the
SMTP server and the SMS file actually received."""

from __future__ import annotations

import email.parser
import json
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from kombu import Connection, Queue

from liaison.messaging import topology
from services import catalogue
from services.routing.rules.registry import default_registry
from tests.chaos.workload import Planned, Poison


@dataclass
class Verdict:
    lost: list[str] = field(default_factory=list)  # external ids, with why
    duplicated: list[str] = field(default_factory=list)
    duplicate_notifications: int = 0
    rejections_missing: int = 0


class Deliveries:
    """Every message the outside world got: the SMTP sink's Maildir and the SMS file channel.

    Counts deliveries per notification (its stable Message-ID); reads only what is new."""

    def __init__(self, maildir: Path, outbox_dir: Path):
        self.maildir = maildir
        self.sms_file = outbox_dir / "sms.jsonl"
        self.count: Counter[str] = Counter()  # message id -> deliveries
        self.case_of: dict[str, str] = {}
        self._seen_files: set[str] = set()
        self._sms_offset = 0
        self._headers = email.parser.BytesHeaderParser()

    def refresh(self) -> None:
        for sub in ("new", "cur"):
            folder = self.maildir / sub
            if not folder.exists():
                continue
            for name in os.listdir(folder):
                if name in self._seen_files:
                    continue
                self._seen_files.add(name)
                with open(folder / name, "rb") as handle:
                    headers = self._headers.parse(handle)
                self._add(str(headers["Message-ID"]), str(headers["X-Liaison-Case"]))
        if self.sms_file.exists():
            with self.sms_file.open("rb") as handle:
                handle.seek(self._sms_offset)
                for line in handle:
                    if not line.endswith(b"\n"):
                        break  # being written
                    self._sms_offset += len(line)
                    record = json.loads(line)
                    self._add(record["message_id"], record["case_id"])

    def _add(self, message_id: str, case_id: str) -> None:
        self.count[message_id] += 1
        self.case_of[message_id] = case_id

    def for_case(self, case_id: str) -> dict[str, int]:
        return {m: n for m, n in self.count.items() if self.case_of[m] == case_id}


def message_id_of(notification_id: int, case_id: str) -> str:
    """services/notify/adapters/channels.py OutgoingMessage.message_id."""
    return f"<notification-{notification_id}.{case_id}@liaison.liangshan>"


def _rows(conn: psycopg.Connection, sql: str, *params: Any) -> list[tuple]:
    return list(conn.execute(sql, params).fetchall())


def settled(conn: psycopg.Connection, prefix: str, expected_cases: int) -> bool:
    """Cheap test that a phase has drained: every case archived, routed and notified."""
    like = prefix + "-%"
    (cases,) = conn.execute("select count(*) from intake_cases where external_id like %s",
                            (like,)).fetchone()
    (routed,) = conn.execute(
        "select count(*) from archive_cases where external_id like %s and station is not null",
        (like,)).fetchone()
    (open_notifications,) = conn.execute(
        "select count(*) from notify_notifications where status in ('pending', 'sending')"
    ).fetchone()
    (planned, recorded) = conn.execute(
        "select (select count(*) from notify_notifications n join intake_cases c"
        "        on c.tracking_number = n.case_id where c.external_id like %s),"
        "       (select coalesce(sum(notifications_sent + notifications_failed), 0)"
        "        from archive_cases where external_id like %s)", (like, like)).fetchone()
    return (cases >= expected_cases and routed >= expected_cases and open_notifications == 0
            and planned > 0 and recorded >= planned)


def unpublished_outbox(conn: psycopg.Connection) -> int:
    total = 0
    for service in catalogue.WITH_TABLES:
        (count,) = conn.execute(
            f"select count(*) from {service}_outbox where published_at is null").fetchone()
        total += int(count)
    return total


def unsettled_notifications(conn: psycopg.Connection) -> int:
    (count,) = conn.execute(
        "select count(*) from notify_notifications where status in ('pending', 'sending')"
    ).fetchone()
    return int(count)


def verify_phase(conn: psycopg.Connection, prefix: str, planned: list[Planned], bad: int,
                 deliveries: Deliveries) -> Verdict:
    """Every submission of the phase: exactly one case, routed, full history, notified once."""
    like = prefix + "-%"
    verdict = Verdict()
    registry = default_registry()
    intake = defaultdict(list)
    for external_id, tracking in _rows(
            conn, "select external_id, tracking_number from intake_cases where external_id like %s",
            like):
        intake[external_id].append(tracking)
    archived = defaultdict(list)
    for external_id, case_id, status, station in _rows(
            conn, "select external_id, case_id, status, station from archive_cases"
                  " where external_id like %s", like):
        archived[external_id].append((case_id, status, station))
    history: dict[str, Counter] = defaultdict(Counter)
    for case_id, event_type, count in _rows(
            conn, "select e.case_id, e.event_type, count(*) from archive_case_events e"
                  " join intake_cases c on c.tracking_number = e.case_id"
                  " where c.external_id like %s group by 1, 2", like):
        history[case_id][event_type] = count
    decisions = Counter(case_id for (case_id,) in _rows(
        conn, "select d.case_id from routing_decisions d join intake_cases c"
              " on c.tracking_number = d.case_id where c.external_id like %s", like))
    notifications: dict[str, list[tuple]] = defaultdict(list)
    for row in _rows(conn, "select n.case_id, n.id, n.kind, n.status from notify_notifications n"
                           " join intake_cases c on c.tracking_number = n.case_id"
                           " where c.external_id like %s", like):
        notifications[row[0]].append(row[1:])
    deliveries.refresh()

    for p in planned:
        trackings = intake.get(p.external_id, [])
        if len(trackings) != 1 or len(archived.get(p.external_id, [])) > 1:
            (verdict.lost if not trackings else verdict.duplicated).append(
                f"{p.external_id}: {len(trackings)} intake cases, "
                f"{len(archived.get(p.external_id, []))} archived")
            continue
        case_id = trackings[0]
        problems, twice = _case_problems(case_id, p, archived.get(p.external_id, []),
                                         history[case_id], decisions[case_id],
                                         notifications[case_id], deliveries, registry)
        if twice:
            verdict.duplicated.append(f"{p.external_id} ({case_id}): {'; '.join(twice)}")
        if problems:
            verdict.lost.append(f"{p.external_id} ({case_id}): {'; '.join(problems)}")
        for notification_id, _kind, _status in notifications[case_id]:
            extra = deliveries.count.get(message_id_of(notification_id, case_id), 0) - 1
            verdict.duplicate_notifications += max(extra, 0)

    (rejected,) = conn.execute(
        "select count(distinct external_id) from intake_rejections where external_id like %s",
        (prefix + "-bad-%",)).fetchone()
    verdict.rejections_missing = bad - int(rejected)
    return verdict


def _case_problems(case_id: str, p: Planned, archived: list[tuple], events: Counter,
                   decisions: int, notifications: list[tuple], deliveries: Deliveries,
                   registry) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    twice: list[str] = []
    if not archived or archived[0][2] is None:
        problems.append("not routed in the archive")
        station = None
    else:
        station = archived[0][2]
    if decisions != 1:
        (twice if decisions > 1 else problems).append(f"{decisions} routing decisions")
    expected = int(p.wants_receipt) + int(bool(station and registry.get(station).contact_email))
    kinds = Counter(kind for _id, kind, _status in notifications)
    for kind, count in kinds.items():
        if count > 1:
            twice.append(f"{count} {kind} notifications planned")
    for event_type, want in (("case_opened", 1), ("case_routed", 1),
                             ("notification_sent", expected)):
        have = events.get(event_type, 0)
        if have > want:
            twice.append(f"{have} {event_type} in the history")
        elif have < want:
            problems.append(f"{have}/{want} {event_type} in the history")
    if events.get("notification_failed"):
        problems.append(f"{events['notification_failed']} notification_failed")
    for notification_id, kind, status in notifications:
        if status != "sent":
            problems.append(f"{kind} notification {status}")
        elif not deliveries.count.get(message_id_of(notification_id, case_id)):
            problems.append(f"{kind} notification marked sent, never received")
    if station and len(notifications) < expected:
        problems.append(f"{len(notifications)}/{expected} notifications planned")
    return problems, twice


@dataclass
class DeadLetters:
    expected_found: int
    missing: list[str]  # poison message ids (per queue) not parked
    without_reason: list[str]
    unexpected: list[str]  # parked messages that are not poison (real work parked!)

    @property
    def total(self) -> int:
        return self.expected_found + len(self.unexpected)


def inspect_dead_letters(amqp_uri: str, poison: list[Poison]) -> DeadLetters:
    """Read every dead-letter queue (messages go back when the channel closes)."""
    expected = {(queue, p.message_id) for p in poison for queue in p.dead_queues}
    found: set[tuple[str, str]] = set()
    without_reason, unexpected = [], []
    with Connection(amqp_uri, connect_timeout=10) as connection:
        for spec in topology.CONSUMER_QUEUES.values():
            channel = connection.channel()
            queue = Queue(spec.dead_name)(channel)
            try:
                while (message := queue.get(no_ack=False, accept=None)) is not None:
                    message_id = message.properties.get("message_id") or "?"
                    key = (spec.dead_name, message_id)
                    headers = message.headers or {}
                    if key in expected:
                        found.add(key)
                    else:
                        unexpected.append(f"{spec.dead_name}: {message_id} "
                                          f"({headers.get('x-liaison-error', 'no reason')})")
                    if not headers.get("x-liaison-error"):
                        without_reason.append(f"{spec.dead_name}: {message_id}")
            finally:
                channel.close()
    missing = sorted(f"{q}: {m}" for q, m in expected - found)
    return DeadLetters(len(found), missing, without_reason, unexpected)
