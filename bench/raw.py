"""The raw limit: plain kombu, the same number of messages of the same size, persistent, with
publisher confirms (one confirm waited for per message, as kombu does), then consumed with acks.

``floor`` measures what messaging alone costs in CPU (client and broker) at its cheapest: confirms
waited for per 100 messages, one ack per 50 deliveries. Times the messages one case needs, it is
the CPU no version of this system can spend less than on a case, whatever its services do."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from kombu import Connection, Consumer, Exchange, Queue

from bench.procstats import pid_listening, sample

QUEUE = "bench.raw"


# One case's messages: the form's submission_received, case_opened, case_routed, the station's
# feed message and two notification_sent are published; intake, routing, archive (4: case_opened,
# case_routed, both outcomes) and notify (2: case_opened, case_routed) take 8 deliveries.
PUBLISHES_PER_CASE = 6
DELIVERIES_PER_CASE = 8


@dataclass(frozen=True)
class RawResult:
    n: int
    publish_per_s: float
    consume_per_s: float


@dataclass(frozen=True)
class Floor:
    """CPU seconds (client + broker) per message published and per message delivered and acked."""

    publish_cpu_s: float
    deliver_cpu_s: float

    @property
    def per_case_s(self) -> float:
        return PUBLISHES_PER_CASE * self.publish_cpu_s + DELIVERIES_PER_CASE * self.deliver_cpu_s


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


def floor(amqp_uri: str, bodies: list[bytes], confirm_every: int = 100, ack_every: int = 50
          ) -> Floor:
    broker = pid_listening(5672)

    def cpu() -> float:
        own = os.times()
        return own.user + own.system + (sample(broker).cpu_seconds if broker else 0.0)

    queue = Queue(QUEUE + ".floor", exchange=Exchange("", type="direct"),
                  routing_key=QUEUE + ".floor", durable=True)
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        queue(channel).declare()
        channel.confirm_select()
        confirmed = 0

        def on_ack(delivery_tag: int, multiple: bool) -> None:
            nonlocal confirmed
            confirmed = max(confirmed, delivery_tag)

        channel.events["basic_ack"].add(on_ack)
        producer = conn.Producer(channel)
        started = cpu()
        for sent, body in enumerate(bodies, 1):
            producer.publish(body, exchange="", routing_key=queue.routing_key, delivery_mode=2,
                             content_type="application/json", content_encoding="utf-8")
            if sent % confirm_every == 0 or sent == len(bodies):
                while confirmed < sent:
                    conn.drain_events(timeout=10)
        publish_cpu = cpu() - started
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        received = 0

        def on_message(message) -> None:
            nonlocal received
            received += 1
            if received % ack_every == 0 or received == len(bodies):
                message.ack(multiple=True)

        started = cpu()
        with Consumer(channel, queues=[queue], on_message=on_message, accept=None,
                      prefetch_count=4 * ack_every):
            while received < len(bodies):
                conn.drain_events(timeout=10)
        deliver_cpu = cpu() - started
        queue(channel).delete()
    return Floor(publish_cpu / len(bodies), deliver_cpu / len(bodies))
