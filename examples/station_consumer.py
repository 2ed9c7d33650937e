"""A station's own staff system, receiving only its station's cases: plain kombu, no nameko.

    python examples/station_consumer.py shuipo-street [amqp://guest:guest@127.0.0.1:5672/]

It binds a durable queue ``station.<code>`` to the topic exchange ``stations`` with routing key
``<code>.#`` (so cases wait for it while it is down), and acks each message after handling it.
Messages are JSON: see README, "The stations' feed".
"""

import json
import sys

from kombu import Connection, Exchange, Queue


def main() -> None:
    code = sys.argv[1]
    uri = sys.argv[2] if len(sys.argv) > 2 else "amqp://guest:guest@127.0.0.1:5672/"
    # The exchange exists already (`liaison topology`); a station's user may not declare it.
    stations = Exchange("stations", type="topic", durable=True, no_declare=True)
    queue = Queue(f"station.{code}", stations, routing_key=f"{code}.#", durable=True,
                  queue_arguments={"x-queue-type": "classic"})

    def handle(body, message):
        event = json.loads(body) if isinstance(body, str | bytes) else body
        print(f"{event['occurred_at']}  {event['case_id']}  {event['event_type']:<28} "
              f"{event['status']:<12} {event['case']['title']}")
        message.ack()  # after the staff system has stored it

    with Connection(uri) as conn, conn.Consumer(queue, callbacks=[handle], accept=["json"]):
        while True:
            conn.drain_events()


if __name__ == "__main__":
    main()
