"""Routing alone, with 1 and then 2 instances: how much does a second process add?

Each run: fresh vhost and database, the instances started and warmed up (jieba's dictionary is
loaded on the first message), then N ``case_opened`` events published at once; the rate is N over
the time from the first publish to the last ``case_routed`` confirmed by the broker (routing's
outbox ``published_at``)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

from kombu import Connection
from sqlalchemy import func, select

from bench.system import System
from bench.workload import submissions
from liaison.contracts.events import new_event
from liaison.messaging.topology import exchange


def case_opened_events(n: int, offset: int) -> list[tuple[str, bytes]]:
    now = datetime.now(UTC)
    out = []
    for i, (_, body) in enumerate(submissions(n, f"scale{offset}")):
        doc = json.loads(body)
        doc["submitter"].setdefault("anonymous", False)
        tracking = f"LS-2026-{offset + i:06d}"
        data = {**doc, "tracking_number": tracking, "received_at": now.isoformat(),
                "source": "amqp"}
        event = new_event("case_opened", tracking, data, actor="bench", occurred_at=now)
        out.append((event.event_id, event.to_json().encode("utf-8")))
    return out


def _publish_fast(amqp_uri: str, events: list[tuple[str, bytes]]) -> None:
    """All at once on one channel (no per-message confirm): the input must not be the bottleneck."""
    with Connection(amqp_uri) as conn:
        producer = conn.Producer(conn.channel())
        for event_id, body in events:
            producer.publish(body, exchange=exchange("intake.events"), routing_key="case_opened",
                             delivery_mode=2, content_type="application/json",
                             content_encoding="utf-8", message_id=event_id)


def _wait_published(system: System, expected: int, timeout: float) -> float:
    outbox = __import__("services.routing.adapters.models", fromlist=["messaging"]).messaging.outbox
    query = select(func.count(), func.max(outbox.c.published_at)).where(
        outbox.c.published_at.is_not(None))
    deadline = time.monotonic() + timeout
    while True:
        with system.engines["routing"].connect() as conn:
            count, last = conn.execute(query).one()
        if count >= expected:
            return last.timestamp()
        if time.monotonic() > deadline:
            raise TimeoutError(f"routing published {count} of {expected} after {timeout}s")
        time.sleep(0.1)


def routing_rate(db_kind: str, instances: int, n: int, env: dict[str, str],
                 progress: Callable[[str], None]) -> float:
    names = ("routing",) + tuple(f"routing@{i}" for i in range(2, instances + 1))
    warmup = 10 * instances
    with System(db_kind, env=env, services=names, label="scale") as system:
        _publish_fast(system.amqp_uri, case_opened_events(warmup, 900000))
        _wait_published(system, warmup, 60)
        events = case_opened_events(n, 0)
        started = time.time()
        _publish_fast(system.amqp_uri, events)
        finished = _wait_published(system, warmup + n, max(300, n))
    rate = n / (finished - started)
    progress(f"routing x{instances}: {rate:.0f} cases/s")
    return rate
