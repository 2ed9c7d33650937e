"""Every exchange and queue of the system, declared from this one list.

Each consumer queue ``Q`` comes with two companions:

* ``Q.retry``: a failed message waits here ``RETRY_DELAY_MS`` (queue TTL), then the broker
  dead-letters it back into ``Q`` through the default exchange;
* ``Q.dead``: a message that failed ``MAX_ATTEMPTS`` times, or can never be processed (not JSON,
  not a valid event), parked with headers saying why (``x-liaison-error`` and friends).

Queue arguments must be identical wherever a queue is declared (or RabbitMQ refuses the
declaration), which is why they are only written here. ``deploy/rabbitmq/definitions.json`` is
checked against this module by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from kombu import Connection, Exchange, Queue

RETRY_DELAY_MS = 2000

FORMS_EXCHANGE = "forms.events"
SERVICE_EXCHANGES = ("intake.events", "routing.events", "notify.events", "archive.events")
# Every routed case and each later event of it, with routing key ``<station_code>.<event_type>``,
# personal data masked (archive publishes it). A station's own system binds its own queue.
STATIONS_EXCHANGE = "stations"


@dataclass(frozen=True)
class Binding:
    exchange: str
    routing_key: str


@dataclass(frozen=True)
class ConsumerQueue:
    name: str
    bindings: tuple[Binding, ...]
    purpose: str

    @property
    def retry_name(self) -> str:
        return f"{self.name}.retry"

    @property
    def dead_name(self) -> str:
        return f"{self.name}.dead"


CONSUMER_QUEUES: dict[str, ConsumerQueue] = {
    q.name: q
    for q in (
        ConsumerQueue(
            "intake.submissions",
            (Binding(FORMS_EXCHANGE, "submission_received"),),
            "submissions from external forms",
        ),
        ConsumerQueue(
            "intake.case-events",
            (Binding("routing.events", "case_anonymized"),),
            "cases whose personal data must now be erased",
        ),
        ConsumerQueue(
            "routing.cases",
            (Binding("intake.events", "case_opened"),),
            "new cases to route to a station",
        ),
        ConsumerQueue(
            "archive.case-events",
            (
                Binding("intake.events", "case_opened"),
                Binding("routing.events", "#"),
                Binding("notify.events", "#"),
            ),
            "every case event, for the case history",
        ),
        ConsumerQueue(
            "archive.records",
            tuple(Binding("archive.events", key) for key in (
                "deputy_registered", "deputy_updated", "station_registered", "station_updated",
                "duty_recorded", "suggestion_filed", "suggestion_answered",
                "constituent_report_held", "archive_item_added", "station_activity_recorded",
            )),
            "the deputy registry and what staff record, for the deputies' archives",
        ),
        ConsumerQueue(
            "notify.case-events",
            (
                Binding("intake.events", "case_opened"),
                Binding("routing.events", "#"),
            ),
            "case events that may cause notifications",
        ),
    )
}


def exchange(name: str) -> Exchange:
    return Exchange(name, type="topic", durable=True, auto_delete=False)


def consumer_queue(name: str) -> Queue:
    """The kombu Queue of a consumer queue, with all its bindings."""
    spec = CONSUMER_QUEUES[name]
    from kombu import binding

    return Queue(
        spec.name,
        bindings=[binding(exchange(b.exchange), routing_key=b.routing_key) for b in spec.bindings],
        durable=True,
        auto_delete=False,
        queue_arguments={"x-queue-type": "classic"},
    )


def retry_queue(name: str) -> Queue:
    spec = CONSUMER_QUEUES[name]
    return Queue(
        spec.retry_name,
        durable=True,
        auto_delete=False,
        queue_arguments={
            "x-queue-type": "classic",
            "x-message-ttl": RETRY_DELAY_MS,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": spec.name,
        },
    )


def dead_queue(name: str) -> Queue:
    spec = CONSUMER_QUEUES[name]
    return Queue(
        spec.dead_name,
        durable=True,
        auto_delete=False,
        queue_arguments={"x-queue-type": "classic"},
    )


def declare_queue_set(connection: Connection, name: str) -> None:
    """Declare one consumer queue with its retry and dead-letter companions."""
    channel = connection.default_channel
    for queue in (consumer_queue(name), retry_queue(name), dead_queue(name)):
        queue.bind(channel).declare()


def station_queue(code: str, name: str | None = None) -> Queue:
    """The durable queue a station's own system consumes: only that station's cases. It does not
    declare the exchange (``liaison topology`` does): a station's user may not configure it."""
    stations = Exchange(STATIONS_EXCHANGE, type="topic", durable=True, no_declare=True)
    return Queue(name or f"station.{code}", stations,
                 routing_key=f"{code}.#", durable=True, auto_delete=False,
                 queue_arguments={"x-queue-type": "classic"})


def declare_all(connection: Connection, stations: tuple[str, ...] = ()) -> None:
    """Declare every exchange and queue (and ``station.<code>`` for each of ``stations``);
    safe to run any number of times."""
    channel = connection.default_channel
    for name in (FORMS_EXCHANGE, *SERVICE_EXCHANGES, STATIONS_EXCHANGE):
        exchange(name).bind(channel).declare()
    for name in CONSUMER_QUEUES:
        declare_queue_set(connection, name)
    for code in stations:
        station_queue(code)(channel).declare()
