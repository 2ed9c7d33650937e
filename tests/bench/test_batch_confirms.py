"""The outbox relay's batch publisher: one confirm wait per batch, and only what the broker
confirmed counts as published."""

from __future__ import annotations

import pytest
from kombu import Connection, Queue

from liaison.messaging.publisher import BatchConfirmedPublisher

pytestmark = pytest.mark.broker


def _messages(queue: str, n: int) -> list[dict]:
    return [{"body": f'{{"n": {i}}}', "exchange": "", "routing_key": queue, "message_id": str(i)}
            for i in range(n)]


def test_a_batch_is_confirmed_and_delivered_in_order(amqp_uri):
    queue = Queue("bench.batch", durable=True, queue_arguments={"x-queue-type": "classic"})
    with Connection(amqp_uri) as conn:
        queue(conn.default_channel).declare()
        publisher = BatchConfirmedPublisher(amqp_uri)
        try:
            assert publisher.publish_batch(_messages("bench.batch", 300)) == [True] * 300
            assert publisher.publish_batch(_messages("bench.batch", 5)) == [True] * 5  # tags go on
        finally:
            publisher.close()
        got = [queue(conn.default_channel).get(no_ack=True) for _ in range(305)]
        assert [m.properties["message_id"] for m in got[:300]] == [str(i) for i in range(300)]
        assert all(m.properties["delivery_mode"] == 2 for m in got)


def test_what_the_broker_refuses_is_not_counted_as_published(amqp_uri):
    # A full queue with overflow=reject-publish makes the broker nack further publishes.
    queue = Queue("bench.full", durable=True, queue_arguments={
        "x-queue-type": "classic", "x-max-length": 3, "x-overflow": "reject-publish"})
    with Connection(amqp_uri) as conn:
        queue(conn.default_channel).declare()
        publisher = BatchConfirmedPublisher(amqp_uri)
        try:
            assert publisher.publish_batch(_messages("bench.full", 5)) == [True] * 3 + [False] * 2
            queue(conn.default_channel).purge()
            assert publisher.publish_batch(_messages("bench.full", 2)) == [True, True]
        finally:
            publisher.close()
