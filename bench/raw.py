"""The raw limit: plain kombu, the same number of messages of the same size, persistent, with
publisher confirms (one confirm waited for per message, as kombu does), then consumed with acks."""

from __future__ import annotations

import time
from dataclasses import dataclass

from kombu import Connection, Consumer, Exchange, Queue

QUEUE = "bench.raw"


@dataclass(frozen=True)
class RawResult:
    n: int
    publish_per_s: float
    consume_per_s: float


def measure(amqp_uri: str, bodies: list[bytes], prefetch: int = 100) -> RawResult:
    queue = Queue(QUEUE, exchange=Exchange("", type="direct"), routing_key=QUEUE, durable=True,
                  queue_arguments={"x-queue-type": "classic"})
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        queue(channel).declare()
        queue(channel).purge()
        producer = conn.Producer(channel)
        started = time.perf_counter()
        for body in bodies:
            producer.publish(body, exchange="", routing_key=QUEUE, delivery_mode=2,
                             content_type="application/json", content_encoding="utf-8")
        publish_s = time.perf_counter() - started
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        received = 0

        def on_message(message) -> None:
            nonlocal received
            message.ack()
            received += 1

        consumer = Consumer(channel, queues=[queue], on_message=on_message, accept=None,
                            prefetch_count=prefetch)
        started = time.perf_counter()
        with consumer:
            while received < len(bodies):
                conn.drain_events(timeout=10)
        consume_s = time.perf_counter() - started
        queue(channel).delete()
    return RawResult(len(bodies), len(bodies) / publish_s, len(bodies) / consume_s)
