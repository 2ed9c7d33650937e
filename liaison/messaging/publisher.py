"""Publishing with persistence and publisher confirms, over kombu (no nameko in here)."""

from __future__ import annotations

import contextlib
from typing import Any

from kombu import Connection, Exchange
from kombu.pools import producers

PERSISTENT = 2
RETRY_POLICY = {"max_retries": 5, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 3}


class ConfirmedPublisher:
    """Publishes persistent messages and returns only once the broker has confirmed each one.

    Safe to share between green threads: every publish takes a producer from kombu's pool.
    """

    def __init__(self, amqp_uri: str, heartbeat: int = 0):
        self._connection = Connection(
            amqp_uri,
            transport_options={"confirm_publish": True},
            heartbeat=heartbeat,
            connect_timeout=5,
        )

    def publish(
        self,
        body: str | bytes,
        exchange: str,
        routing_key: str,
        message_id: str | None = None,
        headers: dict[str, Any] | None = None,
        content_type: str = "application/json",
        content_encoding: str = "utf-8",
    ) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        with producers[self._connection].acquire(block=True, timeout=30) as producer:
            producer.publish(
                body,
                exchange=Exchange(exchange) if exchange else "",
                routing_key=routing_key,
                content_type=content_type,
                content_encoding=content_encoding,
                delivery_mode=PERSISTENT,
                headers=headers or {},
                message_id=message_id,
                retry=True,
                retry_policy=RETRY_POLICY,
            )

    def close(self) -> None:
        producers[self._connection].force_close_all()
        self._connection.release()


class BatchConfirmedPublisher:
    """Publishes a batch of persistent messages on one channel in confirm mode, then waits once for
    the broker's confirms of all of them (``py-amqp`` would wait for each message in turn, which
    caps a publisher at about one message per round trip).

    Returns, per message, whether the broker confirmed it; anything nacked or not confirmed in
    time counts as not published (the caller keeps it for another try). Not for sharing between
    green threads: the outbox relay owns one.
    """

    def __init__(self, amqp_uri: str, confirm_timeout: float = 15.0, heartbeat: int = 0):
        self._connection = Connection(amqp_uri, heartbeat=heartbeat, connect_timeout=5)
        self._confirm_timeout = confirm_timeout
        self._channel = None
        self._producer = None
        self._next_tag = 1
        self._acked: set[int] = set()
        self._nacked: set[int] = set()
        self._acked_through = 0  # a multiple=True ack confirms every tag up to this one

    def _open(self) -> None:
        if self._channel is not None:
            return
        self._connection.ensure_connection(max_retries=RETRY_POLICY["max_retries"])
        channel = self._connection.channel()
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        self._channel, self._producer = channel, self._connection.Producer(channel)
        self._next_tag, self._acked_through = 1, 0
        self._acked.clear()
        self._nacked.clear()

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        if multiple:
            self._acked_through = max(self._acked_through, delivery_tag)
        else:
            self._acked.add(delivery_tag)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        if multiple:
            self._nacked.update(t for t in range(self._acked_through + 1, delivery_tag + 1)
                                if t not in self._acked)
            self._acked_through = max(self._acked_through, delivery_tag)
        else:
            self._nacked.add(delivery_tag)

    def _settled(self, tag: int) -> bool:
        return tag <= self._acked_through or tag in self._acked or tag in self._nacked

    def _confirmed(self, tag: int) -> bool:
        return tag not in self._nacked and (tag <= self._acked_through or tag in self._acked)

    def publish_batch(self, messages: list[dict[str, Any]]) -> list[bool]:
        """``messages``: keyword arguments of :meth:`ConfirmedPublisher.publish` each (body,
        exchange, routing_key, message_id, headers, content_type, content_encoding)."""
        import time

        if not messages:
            return []
        self._open()
        tags: list[int] = []
        try:
            for message in messages:
                body = message["body"]
                self._producer.publish(
                    body.encode("utf-8") if isinstance(body, str) else body,
                    exchange=message["exchange"] or "",
                    routing_key=message["routing_key"],
                    content_type=message.get("content_type", "application/json"),
                    content_encoding=message.get("content_encoding", "utf-8"),
                    delivery_mode=PERSISTENT,
                    headers=message.get("headers") or {},
                    message_id=message.get("message_id"),
                )
                tags.append(self._next_tag)
                self._next_tag += 1
            deadline = time.monotonic() + self._confirm_timeout
            while not all(self._settled(t) for t in tags):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"broker confirmed {sum(map(self._settled, tags))} "
                                       f"of {len(tags)} messages in time")
                self._connection.drain_events(timeout=min(remaining, 1.0))
        except Exception:
            confirmed = [self._confirmed(t) for t in tags] + [False] * (len(messages) - len(tags))
            self._reset()  # a broken or slow channel: late confirms must not leak into a new batch
            if not any(confirmed):
                raise
            return confirmed
        confirmed = [self._confirmed(t) for t in tags]
        self._acked.difference_update(tags)
        self._nacked.difference_update(tags)
        return confirmed

    def _reset(self) -> None:
        """Throw the channel and connection away (the next batch opens new ones)."""
        channel, self._channel, self._producer = self._channel, None, None
        with contextlib.suppress(Exception):
            if channel is not None:
                channel.close()
        with contextlib.suppress(Exception):
            self._connection.close()

    def close(self) -> None:
        self._reset()
        self._connection.release()
