"""``liaison watch --station CODE``: print one station's cases as they arrive."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from kombu import Connection, Queue

from liaison.messaging import topology


def format_line(event: dict[str, Any]) -> str:
    alert = f" [{event['alert']}]" if event.get("alert") else ""
    return (f"{event['occurred_at'][:19]}  {event['case_id']}  {event['event_type']:<28} "
            f"{event['status'] or '':<12}{alert} {event['case'].get('title') or ''}")


def watch(amqp_uri: str, station: str, on_event: Callable[[dict[str, Any]], None],
          queue_name: str | None = None, limit: int | None = None,
          timeout: float | None = None,
          on_ready: Callable[[], None] | None = None) -> int:
    """Consume the station's feed until ``limit`` events or ``timeout`` seconds of silence.

    Without ``queue_name`` a private queue is used (it goes away with the watcher); with one, the
    station's durable queue, acking each event after printing it.
    """
    with Connection(amqp_uri, connect_timeout=10) as conn:
        channel = conn.channel()
        if queue_name:
            queue = topology.station_queue(station, queue_name)(channel)
        else:
            queue = Queue(f"watch.{station}.{uuid.uuid4().hex[:8]}",
                          topology.station_queue(station).exchange,
                          routing_key=f"{station}.#", exclusive=True, auto_delete=True)(channel)
        queue.declare()
        if on_ready:
            on_ready()
        seen = 0

        def handle(message) -> None:
            nonlocal seen
            body = message.body if isinstance(message.body, str) else message.body.decode()
            on_event(json.loads(body))
            message.ack()
            seen += 1

        with conn.Consumer(queue, on_message=handle, channel=channel):
            deadline = time.monotonic() + timeout if timeout else None
            while limit is None or seen < limit:
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    break
                try:
                    conn.drain_events(timeout=min(wait, 1.0) if wait is not None else 1.0)
                except TimeoutError:
                    continue
                if deadline is not None:
                    deadline = time.monotonic() + timeout
        return seen
