"""``Database``: a nameko dependency giving each worker a unit of work, and relaying the outbox.

The relay runs in a green thread of the service process. A commit that wrote events hands it the
rows and wakes it; every ``OUTBOX_POLL_SECONDS`` it also sweeps the table for rows older than
``OUTBOX_SWEEP_AGE_SECONDS`` that are still unpublished (a crash between commit and relay, here or
in another instance; a publish that failed), so nothing committed stays unpublished.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import TypeVar

import eventlet
from nameko.extensions import DependencyProvider
from sqlalchemy import Connection, Engine

from liaison.config import database_url, float_setting, int_setting
from liaison.db.engine import make_engine
from liaison.db.messaging_tables import MessagingTables, OutboxRow
from liaison.db.uow import UnitOfWork, apply_each
from liaison.messaging.publisher import BatchConfirmedPublisher
from liaison.messaging.relay import OutboxRelay
from liaison.service_kit import health

log = logging.getLogger(__name__)

T = TypeVar("T")


class DatabaseAccess:
    """What a worker sees: ``uow()`` for changes, ``read()`` for queries."""

    def __init__(self, provider: Database):
        self._provider = provider
        self._hand_over: Callable[[list[OutboxRow]], None] = provider.wake_relay

    @property
    def engine(self) -> Engine:
        return self._provider.engine

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self._provider.engine, self._provider.tables, self._hand_over)

    def each(self, items: Sequence[T], apply: Callable[[UnitOfWork, T], object]
             ) -> list[BaseException | None]:
        """A batch in one transaction, one savepoint per item (see ``liaison.db.uow``)."""
        return apply_each(self._provider.engine, self._provider.tables, items, apply,
                          self._hand_over)

    @contextmanager
    def relay_at_end(self):
        """Commits inside the block hand their events to the relay when it ends, all together: a
        loop of small commits (notify records each notice on its own) then costs the relay one
        publish and one mark instead of one per commit."""
        held: list[OutboxRow] = []
        self._hand_over = held.extend
        try:
            yield
        finally:
            self._hand_over = self._provider.wake_relay
            if held:
                self._provider.wake_relay(held)

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
        self._committed: deque[OutboxRow] = deque()  # handed over by commits, not yet relayed
        self._running = False
        self._relay_thread = None

    def setup(self) -> None:
        config = self.container.config
        service = self.container.service_name
        self.engine = make_engine(
            database_url(config, service), pool_size=int(self.container.max_workers) + 2
        )
        self.poll_seconds = float_setting(config, "OUTBOX_POLL_SECONDS", 1.0)
        self.sweep_age = float_setting(config, "OUTBOX_SWEEP_AGE_SECONDS", 5.0)
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
            self._relay_committed()  # what the last workers committed
            self.relay.relay_all(min_age=self.sweep_age)
        except Exception:
            log.warning("outbox relay: events left for the next start", exc_info=True)
        self.publisher.close()
        self.engine.dispose()

    def kill(self) -> None:
        self._running = False
        self.wake_relay()
        self.publisher.close()
        self.engine.dispose()

    def wake_relay(self, rows: list[OutboxRow] = ()) -> None:
        self._committed.extend(rows)
        self._wake.set()

    def get_dependency(self, worker_ctx) -> DatabaseAccess:
        return DatabaseAccess(self)

    def _relay_committed(self) -> None:
        """Publish the rows commits handed over, a batch at a time. Rows of a batch that fails
        are dropped from memory: they are still in the table, and the sweep takes them."""
        while self._committed:
            batch = [self._committed.popleft()
                     for _ in range(min(len(self._committed), self.relay.batch_size))]
            self.relay.relay_rows(batch)

    def _relay_loop(self) -> None:
        failures = 0
        next_sweep = 0.0  # at start: what a crash left behind
        while self._running:
            self._wake.clear()
            try:
                self._relay_committed()
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.poll_seconds
                    self.relay.relay_all(should_stop=lambda: not self._running,
                                         min_age=self.sweep_age)
                failures = 0
            except Exception as exc:
                failures += 1
                delay = min(0.5 * 2**failures, 15.0)
                log.warning("outbox relay failed (%s); retrying in %.1fs", exc, delay)
                eventlet.sleep(delay)
                continue
            self._wake.wait(max(0.0, next_sweep - time.monotonic()))
