"""``Database``: a nameko dependency giving each worker a unit of work, and relaying the outbox.

The relay runs in a green thread of the service process: woken right after a commit that wrote
events, and every ``OUTBOX_POLL_SECONDS`` anyway, so rows left behind by a crash are published on
the next start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import TypeVar

import eventlet
from nameko.extensions import DependencyProvider
from sqlalchemy import Connection, Engine

from liaison import health
from liaison.config import database_url, float_setting, int_setting
from liaison.db.engine import make_engine
from liaison.db.messaging_tables import MessagingTables
from liaison.db.uow import UnitOfWork, apply_each
from liaison.messaging.publisher import BatchConfirmedPublisher
from liaison.messaging.relay import OutboxRelay

log = logging.getLogger(__name__)

T = TypeVar("T")


class DatabaseAccess:
    """What a worker sees: ``uow()`` for changes, ``read()`` for queries."""

    def __init__(self, provider: Database):
        self._provider = provider

    @property
    def engine(self) -> Engine:
        return self._provider.engine

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self._provider.engine, self._provider.tables, self._provider.wake_relay)

    def each(self, items: Sequence[T], apply: Callable[[UnitOfWork, T], object]
             ) -> list[BaseException | None]:
        """A batch in one transaction, one savepoint per item (see ``liaison.db.uow``)."""
        return apply_each(self._provider.engine, self._provider.tables, items, apply,
                          self._provider.wake_relay)

    @contextmanager
    def read(self):
        """A Core connection for queries (rolled back and returned to the pool afterwards)."""
        connection: Connection = self._provider.engine.connect()
        try:
            yield connection
        finally:
            connection.rollback()
            connection.close()


class Database(DependencyProvider):
    def __init__(self, tables: MessagingTables):
        self.tables = tables
        self._wake = threading.Event()
        self._running = False
        self._relay_thread = None

    def setup(self) -> None:
        config = self.container.config
        service = self.container.service_name
        self.engine = make_engine(
            database_url(config, service), pool_size=int(self.container.max_workers) + 2
        )
        self.poll_seconds = float_setting(config, "OUTBOX_POLL_SECONDS", 1.0)
        # one confirm wait per batch, not per event (STACK-NOTES: ~1,000/s otherwise)
        self.publisher = BatchConfirmedPublisher(config["AMQP_URI"])
        self.relay = OutboxRelay(
            self.engine,
            self.tables,
            self.publisher,
            batch_size=int_setting(config, "OUTBOX_BATCH_SIZE", 200),
        )
        health.register_database_check(service, self.engine, self.tables)

    def start(self) -> None:
        self._running = True
        self._relay_thread = self.container.spawn_managed_thread(
            self._relay_loop, identifier="outbox-relay"
        )

    def stop(self) -> None:
        self._running = False
        self.wake_relay()
        if self._relay_thread is not None:
            self._relay_thread.wait()
        try:
            self.relay.relay_all()  # what the last workers committed
        except Exception:
            log.warning("outbox relay: events left for the next start", exc_info=True)
        self.publisher.close()
        self.engine.dispose()

    def kill(self) -> None:
        self._running = False
        self.wake_relay()
        self.publisher.close()
        self.engine.dispose()

    def wake_relay(self) -> None:
        self._wake.set()

    def get_dependency(self, worker_ctx) -> DatabaseAccess:
        return DatabaseAccess(self)

    def _relay_loop(self) -> None:
        failures = 0
        while self._running:
            self._wake.clear()
            try:
                self.relay.relay_all(should_stop=lambda: not self._running)
                failures = 0
            except Exception as exc:
                failures += 1
                delay = min(0.5 * 2**failures, 15.0)
                log.warning("outbox relay failed (%s); retrying in %.1fs", exc, delay)
                eventlet.sleep(delay)
                continue
            self._wake.wait(self.poll_seconds)
