"""Looking at and replaying dead-lettered messages (``liaison dlq``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kombu import Connection, Queue

from liaison.messaging import topology
from liaison.messaging.publisher import ConfirmedPublisher


@dataclass(frozen=True)
class DeadLetter:
    message_id: str | None
    error: str
    kind: str
    attempts: int
    failed_at: str
    body_preview: str


def _dead_queue(name: str) -> str:
    spec = topology.CONSUMER_QUEUES[name.removesuffix(".dead")]
    return spec.dead_name


def peek(amqp_uri: str, queue: str, limit: int = 50) -> Iterator[DeadLetter]:
    """Read up to ``limit`` parked messages without removing them (they are requeued)."""
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        dead = Queue(_dead_queue(queue))(channel)
        held = []
        try:
            for _ in range(limit):
                message = dead.get(no_ack=False, accept=None)
                if message is None:
                    break
                held.append(message)
                yield _describe(message)
        finally:
            channel.close()  # unacked messages go back to the queue, in order


def replay(amqp_uri: str, queue: str, limit: int | None = None) -> int:
    """Move parked messages back to their queue for another try (attempt counters reset)."""
    name = queue.removesuffix(".dead")
    publisher = ConfirmedPublisher(amqp_uri)
    moved = 0
    with Connection(amqp_uri) as conn:
        dead = Queue(_dead_queue(name))(conn.default_channel)
        while limit is None or moved < limit:
            message = dead.get(no_ack=False, accept=None)
            if message is None:
                break
            headers = {k: v for k, v in (message.headers or {}).items()
                       if not k.startswith("x-liaison-") and k != "x-death"}
            body = message.body if isinstance(message.body, bytes) else message.body.encode()
            publisher.publish(body, exchange="", routing_key=name,
                              message_id=message.properties.get("message_id"), headers=headers,
                              content_type=message.content_type or "application/json",
                              content_encoding=message.content_encoding or "utf-8")
            message.ack()
            moved += 1
    publisher.close()
    return moved


def _describe(message: Any) -> DeadLetter:
    headers = message.headers or {}
    body = message.body if isinstance(message.body, str) else message.body.decode(
        "utf-8", "replace")
    return DeadLetter(
        message_id=message.properties.get("message_id"),
        error=str(headers.get("x-liaison-error", "")),
        kind=str(headers.get("x-liaison-error-kind", "")),
        attempts=int(headers.get("x-liaison-attempts") or 0),
        failed_at=str(headers.get("x-liaison-failed-at", "")),
        body_preview=body[:200],
    )
