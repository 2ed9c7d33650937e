"""``@consume(queue)``: a nameko entrypoint that does not lose, loop on, or crash on a message.

nameko's own ``event_handler``/``consume`` ack a message whose handler raised (it is gone), or
requeue it forever, and a body kombu cannot decode kills the consumer thread. This entrypoint:

* receives the raw message (kombu does no decoding) and decodes it itself: a body that is not a
  valid event goes straight to the dead-letter queue, with the reason;
* acks only after the service method returned, i.e. after its unit of work committed;
* on failure republishes the message to ``<queue>.retry`` (back after ``RETRY_DELAY_MS``) with an
  attempt counter in its headers, and after ``MAX_ATTEMPTS`` failures parks it in ``<queue>.dead``
  with ``x-liaison-error``; infrastructure outages (database, broker) retry without using up attempts.

``@consume(queue, batch=True)`` hands the method a list of what has arrived (up to ``BATCH_SIZE``)
and expects back, per item, None (committed) or the exception that undid it; each item is then
acked or retried on its own. At most ``BATCH_CONCURRENCY`` batches run at once, so under load the
batches grow (one transaction and one commit for many messages) and when idle each message goes
alone, at once (no waiting to fill a batch).
"""

from __future__ import annotations

import logging
import time
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import eventlet
from amqp.exceptions import AMQPError
from eventlet.queue import Empty, LightQueue
from eventlet.semaphore import Semaphore
from kombu import Connection
from kombu.exceptions import OperationalError as KombuOperationalError
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import Entrypoint
from nameko.messaging import QueueConsumer

from liaison.config import int_setting
from liaison.contracts.events import EventSchemaError, parse_event
from liaison.contracts.privacy import mask_text
from liaison.messaging import topology
from liaison.messaging.publisher import ConfirmedPublisher
from liaison.service_kit import health, metrics
from liaison.service_kit.failures import Failure, classify

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-liaison-attempts"
TRANSIENT_HEADER = "x-liaison-transient-retries"
ERROR_HEADER = "x-liaison-error"
# Transient retries are not unlimited: a day of RETRY_DELAY_MS waits, then a person looks.
MAX_TRANSIENT_RETRIES = 24 * 3600 * 1000 // topology.RETRY_DELAY_MS


@dataclass(frozen=True)
class RawMessage:
    """A message as it came off the queue, undecoded."""

    body: bytes
    content_type: str | None = None
    content_encoding: str | None = None
    message_id: str | None = None
    routing_key: str = ""
    headers: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_kombu(cls, message) -> RawMessage:
        body = message.body
        if isinstance(body, str):  # some transports hand over text
            body = body.encode("utf-8", "surrogateescape")
        props = message.properties or {}
        return cls(
            body=body,
            content_type=message.content_type,
            content_encoding=message.content_encoding,
            message_id=props.get("message_id"),
            routing_key=(message.delivery_info or {}).get("routing_key", ""),
            headers=dict(message.headers or {}),
        )

    @property
    def attempts(self) -> int:
        return _int_header(self.headers, ATTEMPTS_HEADER)

    @property
    def event_type(self) -> str:
        """The routing key it was first published with (= the event type, by contract)."""
        return str(self.headers.get("x-liaison-original-routing-key") or self.routing_key)


class _RawQueueConsumer(QueueConsumer):
    """nameko's queue consumer, but handing providers the undecoded kombu message, and keeping its
    connection open at shutdown until every message it delivered is settled.

    nameko 2.14 closes the consumer's connection as soon as the last provider is unregistered,
    i.e. at the start of a graceful stop, before the handlers in flight return: their acks are then
    dropped and the broker redelivers messages that were already committed (harmless thanks to the
    inbox, but not "acked after commit"). Here the consumer thread stops only once nothing is
    unsettled (acked, requeued, or moved to retry/dead).
    """

    _unsettled = 0

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # per channel, the delivery tags handed out and not yet settled (see ack_messages)
        self._outstanding: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def on_iteration(self) -> None:
        self._cancel_consumers_if_requested()
        if len(self._consumers) == 0 and self._unsettled <= 0:
            self.should_stop = True

    def ack_message(self, message) -> None:
        self._unsettled -= 1
        self._forget(message)
        _settle(super().ack_message, message, "ack")

    def ack_messages(self, messages: list) -> None:
        """Ack a batch in one frame (``multiple``) when it holds every message its channel still
        has outstanding up to its last one; otherwise one ack each (a ``multiple`` ack would also
        ack other handlers' messages still in flight)."""
        channel = messages[0].channel if messages else None
        outstanding = self._outstanding.get(channel) if channel is not None else None
        if len(messages) < 2 or outstanding is None or any(m.channel is not channel
                                                             for m in messages):
            for message in messages:
                self.ack_message(message)
            return
        tags = {message.delivery_tag for message in messages}
        top = max(tags)
        if any(tag <= top and tag not in tags for tag in outstanding):
            for message in messages:
                self.ack_message(message)
            return
        self._unsettled -= len(messages)
        outstanding.difference_update(tags)
        last = next(message for message in messages if message.delivery_tag == top)
        if channel.connection:
            _settle(lambda message: message.ack(multiple=True), last, "ack")
        for message in messages:
            message._state = "ACK"  # settled by the one multiple ack

    def requeue_message(self, message) -> None:
        self._unsettled -= 1
        self._forget(message)
        _settle(super().requeue_message, message, "requeue")

    def _forget(self, message) -> None:
        outstanding = self._outstanding.get(message.channel)
        if outstanding is not None:
            outstanding.discard(message.delivery_tag)

    def get_consumers(self, consumer_cls, channel):
        for provider in self._providers:
            consumer = consumer_cls(
                queues=[provider.queue],
                on_message=partial(self._on_raw_message, provider),
                accept=None,
            )
            # The prefetch applies to consumers started after it: set it, then start this one.
            consumer.qos(prefetch_count=self._prefetch_for(provider))
            consumer.consume()
            self._consumers[provider] = consumer
        return self._consumers.values()

    def _prefetch_for(self, provider) -> int:
        """nameko ties the prefetch to ``max_workers`` (one message per worker); a batch consumer
        needs whole batches in hand, ``PREFETCH_COUNT`` of them."""
        if provider.batch:
            return int_setting(self.container.config, "PREFETCH_COUNT", 200)
        return int(self.prefetch_count)

    def _on_raw_message(self, provider, message) -> None:
        self._unsettled += 1
        if message.channel is not None:
            self._outstanding.setdefault(message.channel, set()).add(message.delivery_tag)
        if provider.batch:  # only queued here: the provider's dispatcher runs the batches
            provider.handle_message(message)
            return
        self.container.spawn_managed_thread(
            partial(provider.handle_message, message),
            identifier=f"{type(provider).__name__}.handle_message[{provider.queue_name}]",
        )


class ReliableConsumer(Entrypoint):
    queue_consumer = _RawQueueConsumer()

    def __init__(self, queue_name: str, raw: bool = False, batch: bool = False, **kwargs: Any):
        """``raw=True`` hands the method a :class:`RawMessage`; otherwise a parsed ``Event``.
        ``batch=True``: a list of them (see the module docstring)."""
        if queue_name not in topology.CONSUMER_QUEUES:
            raise ValueError(f"unknown queue {queue_name!r}: add it to liaison.messaging.topology")
        self.queue_name = queue_name
        self.raw = raw
        self.batch = batch
        self._pending: LightQueue = LightQueue()
        self._in_flight = 0  # taken off _pending and not yet settled
        self._dispatcher = None
        self._closed = False
        super().__init__(**kwargs)

    def setup(self) -> None:
        config = self.container.config
        self.queue = topology.consumer_queue(self.queue_name)
        self.spec = topology.CONSUMER_QUEUES[self.queue_name]
        self.max_attempts = int_setting(config, "MAX_ATTEMPTS", 5)
        self.publisher = ConfirmedPublisher(config["AMQP_URI"])
        with Connection(config["AMQP_URI"], connect_timeout=10) as connection:
            connection.ensure_connection(max_retries=30)
            topology.declare_queue_set(connection, self.queue_name)
        self.batch_size = max(1, int_setting(config, "BATCH_SIZE", 100))
        self._slots = Semaphore(max(1, int_setting(config, "BATCH_CONCURRENCY", 2)))
        self.queue_consumer.register_provider(self)
        health.register_consumer_check(self.queue_name, self.queue_consumer)

    def start(self) -> None:
        if self.batch:
            self._dispatcher = self.container.spawn_managed_thread(
                self._dispatch_batches, identifier=f"batches[{self.queue_name}]")

    def stop(self) -> None:
        self.queue_consumer.unregister_provider(self)
        # Graceful: what was already handed to us is still run, committed and acked.
        while self.batch and (self._pending.qsize() or self._in_flight):
            eventlet.sleep(0.01)
        self._close()

    def _close(self) -> None:
        """No more batches: what arrives from now on (a delivery that crossed the consumer's
        cancellation) goes back to the queue, or the queue consumer would wait for it forever."""
        self._closed = True
        if self._dispatcher is not None:
            self._dispatcher.kill()
        while self._pending.qsize():
            self.queue_consumer.requeue_message(self._pending.get_nowait()[0])

    def kill(self) -> None:
        self.queue_consumer.unregister_provider(self)
        if self._dispatcher is not None:
            self._dispatcher.kill()

    def handle_message(self, message) -> None:
        arrived = time.perf_counter()
        raw = RawMessage.from_kombu(message)
        if self.raw:
            argument: Any = raw
        else:
            try:
                argument = parse_event(raw.body)
            except EventSchemaError as exc:
                self._settle_failure(message, raw, exc)
                return
        if self.batch:
            if self._closed:
                self.queue_consumer.requeue_message(message)
            else:
                self._pending.put((message, raw, arrived, argument))
            return
        try:
            self.container.spawn_worker(
                self,
                (argument,),
                {},
                context_data={"message_id": raw.message_id or ""},
                handle_result=partial(self.handle_result, message, raw, arrived),
            )
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def handle_result(self, message, raw: RawMessage, arrived: float, worker_ctx, result=None,
                      exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            self._count(raw, "ok")
        else:
            self._settle_failure(message, raw, exc_info[1])
        metrics.HANDLER_SECONDS.labels(self.container.service_name, self.queue_name,
                                       raw.event_type).observe(time.perf_counter() - arrived)
        return result, exc_info

    # --- batches ----------------------------------------------------------------------------

    def _dispatch_batches(self) -> None:
        """Take what has arrived (up to ``batch_size``) whenever a batch slot is free."""
        while True:
            entries = [self._pending.get()]
            self._in_flight += 1  # counted at once: stop() must wait for it while we wait a slot
            self._slots.acquire()
            while len(entries) < self.batch_size:
                try:
                    entries.append(self._pending.get_nowait())
                except Empty:
                    break
                self._in_flight += 1
            metrics.CONSUMER_BATCH.labels(self.container.service_name,
                                          self.queue_name).observe(len(entries))
            try:
                self.container.spawn_worker(
                    self,
                    ([entry[3] for entry in entries],),
                    {},
                    context_data={"message_id": entries[0][1].message_id or ""},
                    handle_result=partial(self._settle_batch, entries),
                )
            except ContainerBeingKilled:
                self._in_flight -= len(entries)
                self._slots.release()
                for message, *_ in entries:
                    self.queue_consumer.requeue_message(message)
                return

    def _settle_batch(self, entries: list[tuple], worker_ctx, result=None, exc_info=None):
        try:
            if exc_info is not None:
                outcomes: list[BaseException | None] = [exc_info[1]] * len(entries)
            elif not isinstance(result, list) or len(result) != len(entries):
                error = TypeError(f"a batch handler of {self.queue_name} must return one outcome "
                                  f"per message, got {type(result).__name__}")
                outcomes = [error] * len(entries)
            else:
                outcomes = result
            service = self.container.service_name
            now = time.perf_counter()
            done = []
            for (message, raw, arrived, _), outcome in zip(entries, outcomes, strict=True):
                if outcome is None:
                    done.append(message)
                    self._count(raw, "ok")
                else:
                    self._settle_failure(message, raw, outcome)
                metrics.HANDLER_SECONDS.labels(service, self.queue_name,
                                               raw.event_type).observe(now - arrived)
            self.queue_consumer.ack_messages(done)
        finally:
            self._in_flight -= len(entries)
            self._slots.release()
        return result, exc_info

    def _count(self, raw: RawMessage, outcome: str) -> None:
        metrics.EVENTS_CONSUMED.labels(self.container.service_name, self.queue_name,
                                       raw.event_type, outcome).inc()

    # --- failures ---------------------------------------------------------------------------

    def _settle_failure(self, message, raw: RawMessage, exc: BaseException) -> None:
        kind = classify(exc)
        attempts = raw.attempts
        transient = _int_header(raw.headers, TRANSIENT_HEADER)
        if kind is Failure.TRANSIENT:
            transient += 1
        else:
            attempts += 1
        error = f"{type(exc).__name__}: {mask_text(str(exc))}"[:1000]
        park = (
            kind is Failure.PERMANENT
            or attempts >= self.max_attempts
            or transient > MAX_TRANSIENT_RETRIES
        )
        headers = {
            **raw.headers,
            ATTEMPTS_HEADER: attempts,
            TRANSIENT_HEADER: transient,
            ERROR_HEADER: error,
            "x-liaison-error-kind": kind.value,
            "x-liaison-failed-at": datetime.now(UTC).isoformat(),
            "x-liaison-queue": self.queue_name,
            "x-liaison-original-routing-key": raw.headers.get(
                "x-liaison-original-routing-key", raw.routing_key
            ),
        }
        target = self.spec.dead_name if park else self.spec.retry_name
        service = self.container.service_name
        metrics.EVENTS_FAILED.labels(service, self.queue_name, raw.event_type, kind.value).inc()
        try:
            self.publisher.publish(
                raw.body,
                exchange="",
                routing_key=target,
                message_id=raw.message_id,
                headers=headers,
                content_type=raw.content_type or "application/octet-stream",
                content_encoding=raw.content_encoding or "binary",
            )
        except Exception:
            log.exception("could not move a failed message to %s; requeueing it", target)
            self.queue_consumer.requeue_message(message)
            self._count(raw, "requeued")
            return
        self.queue_consumer.ack_message(message)
        self._count(raw, "dead_lettered" if park else "retried")
        if park:
            metrics.DEAD_LETTERED.labels(service, self.queue_name).inc()
        log.warning(
            "message %s on %s failed (%s, attempt %d): %s -> %s",
            raw.message_id,
            self.queue_name,
            kind.value,
            attempts,
            error,
            target,
            extra={"queue": self.queue_name, "message_id": raw.message_id, "parked": park},
        )


# What settling a message on a connection that has died raises (reset, broken pipe, closed).
_CONNECTION_GONE = (OSError, AMQPError, KombuOperationalError)


def _settle(action, message, what: str) -> None:
    """Ack or requeue, surviving a connection that died while the handler ran (a broker restart).

    The message was unacked on that connection, so the broker has already put it back and will
    deliver it again on the new one, where the inbox makes the repeat harmless. Raising here would
    escape the worker and make nameko kill the whole container (found by the chaos run)."""
    try:
        action(message)
    except _CONNECTION_GONE as exc:
        log.warning("could not %s a message, its connection is gone (%s: %s); the broker "
                    "redelivers it", what, type(exc).__name__, exc)


def _int_header(headers: dict[str, Any], name: str) -> int:
    try:
        return int(headers.get(name) or 0)
    except (TypeError, ValueError):
        return 0


consume = ReliableConsumer.decorator
