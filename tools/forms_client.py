"""What an external form does to submit a concern over AMQP: plain kombu, no nameko.

Equivalent in any language: publish the JSON document to the durable topic exchange
``forms.events`` with routing key ``submission_received``, content type ``application/json``,
delivery mode 2 (persistent), with publisher confirms on.
"""

from __future__ import annotations

import json
from typing import Any

from kombu import Connection, Exchange, Producer

FORMS_EXCHANGE = Exchange("forms.events", type="topic", durable=True)


def publish_submission(connection: Connection, submission: dict[str, Any] | bytes) -> None:
    """Publish one submission. The exchange is not declared here (``liaison topology`` does it):
    a form's user may only write to it."""
    body = submission if isinstance(submission, bytes) else json.dumps(
        submission, ensure_ascii=False).encode("utf-8")
    producer = Producer(connection.default_channel)
    producer.publish(
        body,
        exchange=FORMS_EXCHANGE,
        routing_key="submission_received",
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=2,
        message_id=submission.get("external_id") if isinstance(submission, dict) else None,
        retry=True,
    )


def connect(amqp_uri: str) -> Connection:
    """A connection with publisher confirms: ``publish`` returns once the broker has the message."""
    return Connection(amqp_uri, transport_options={"confirm_publish": True}, connect_timeout=10)
