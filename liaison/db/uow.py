"""The unit of work: one transaction holding a service's change, its outbox events and its inbox mark.

Handlers receive a unit of work, never a session factory or a broker::

    with uow:
        if not uow.claim(event.event_id, "route"):
            return  # already applied: a redelivery or a duplicate
        ...change the service's tables through uow.session...
        uow.publish(new_event(...))
        uow.commit()

``commit`` writes everything at once and then hands the rows it wrote to the relay
(``on_events_committed``), which publishes them without reading them back. Nothing is published
unless the commit succeeded, and nothing committed goes unpublished (the relay's sweep publishes
what a crash kept from being handed over).

A batch of messages shares one transaction (:class:`SharedTransaction`, :func:`apply_each`), so
the batch pays for one commit (one fsync on PostgreSQL) instead of one per message. It is first
tried straight through; if any message fails, the batch is rolled back and done again with each
message's unit of work in a savepoint of its own, so a message that fails undoes only its changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from liaison.contracts.events import Event
from liaison.db.messaging_tables import MessagingTables, OutboxRow

T = TypeVar("T")
CommitHook = Callable[[list[OutboxRow]], None]  # the outbox rows a commit wrote
log = logging.getLogger(__name__)


class UnitOfWork:
    """``source``: an Engine (the services: plain Core connections, no ORM bookkeeping on the hot
    path) or a sessionmaker; either way ``uow.session`` executes statements, and ``commit``."""

    def __init__(
        self,
        source: Engine | sessionmaker[Session],
        tables: MessagingTables,
        on_events_committed: CommitHook | None = None,
        shared: SharedTransaction | None = None,
    ):
        self._session_factory: Callable[[], Connection | Session] = (
            source.connect if isinstance(source, Engine) else source)
        self._tables = tables
        self._on_events_committed = on_events_committed
        self._shared = shared
        self._savepoint: Any = None
        self._committed = False
        self._pending_events: list[Event] = []
        self._outbox_rows: list[dict[str, Any]] = []
        self.session: Connection | Session | None = None
        self.committed_events: list[Event] = []

    def __enter__(self) -> UnitOfWork:
        self._pending_events = []
        self._outbox_rows = []
        self._committed = False
        if self._shared is not None:
            self.session = self._shared.connection
            if self._shared.savepoints:
                self._savepoint = self.session.begin_nested()
            return self
        self.session = self._session_factory()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        assert self.session is not None
        if self._shared is not None:
            try:
                if self._savepoint is not None and self._savepoint.is_active:
                    self._savepoint.rollback()
            finally:
                self._savepoint = None
                self.session = None
            if not self._shared.savepoints and not self._committed:
                # Its writes (if any) cannot be undone alone here, even if the caller goes on.
                self._shared.spoiled = True
                if exc_info[0] is None:
                    raise LeftUncommitted("a unit of work left without commit in a batch")
            return
        try:
            self.session.rollback()  # no-op after a commit
        finally:
            self.session.close()
            self.session = None

    def commit(self) -> None:
        """Commit (inside a shared transaction: release the savepoint; the batch commits later;
        after that only reads may follow in this ``with`` block)."""
        assert self.session is not None
        rows, self._outbox_rows = self._outbox_rows, []
        if self._shared is not None:
            if self._savepoint is not None and self._savepoint.is_active:
                self._savepoint.commit()
            self._shared.adopt(self._pending_events, rows)
            self._committed = True
        else:
            written = write_outbox(self.session, self._tables, rows)
            self.session.commit()
            if written and self._on_events_committed:
                self._on_events_committed(written)
        events, self._pending_events = self._pending_events, []
        self.committed_events.extend(events)

    def rollback(self) -> None:
        assert self.session is not None
        if self._shared is not None:
            if not self._shared.savepoints:
                raise LeftUncommitted("a unit of work rolled back in a batch")
            if self._savepoint is not None and self._savepoint.is_active:
                self._savepoint.rollback()
        else:
            self.session.rollback()
        self._pending_events = []
        self._outbox_rows = []

    def publish(self, event: Event) -> None:
        """Queue an event in the outbox, inside this transaction."""
        self.publish_message(event.event_id, event.event_type, event.exchange, event.routing_key,
                             event.to_json(), event.headers or None)
        self._pending_events.append(event)

    def publish_message(self, message_id: str, kind: str, exchange: str, routing_key: str,
                        body: str, headers: dict[str, Any] | None = None) -> None:
        """Queue any message in the outbox (e.g. a station's feed), inside this transaction: the
        rows are written at commit, all in one statement (with a batch's, at the batch's commit)."""
        assert self.session is not None
        self._outbox_rows.append({
            "event_id": message_id, "event_type": kind, "exchange": exchange,
            "routing_key": routing_key, "body": body, "headers": headers,
            "created_at": datetime.now(UTC), "attempts": 0})

    def already_processed(self, message_id: str, handler: str) -> bool:
        assert self.session is not None
        inbox = self._tables.inbox
        found = self.session.execute(_processed_statement(inbox), {
            "message_id": message_id, "handler": handler}).first()
        return found is not None

    def claim(self, message_id: str, handler: str) -> bool:
        """Mark ``message_id`` as applied by ``handler``; False if it already was.

        One statement (``INSERT … ON CONFLICT DO NOTHING``), first in the transaction. The mark
        is part of the transaction: if the effect rolls back, so does the mark. Two instances racing
        on the same message: the second waits for the first's commit and inserts nothing.
        """
        assert self.session is not None
        statement = _claim_statement(self._tables.inbox, _dialect(self.session))
        inserted = self.session.execute(statement, {
            "message_id": message_id, "handler": handler, "processed_at": datetime.now(UTC),
        }).first()
        return inserted is not None


@cache
def _outbox_insert(outbox: Table):
    return insert(outbox).returning(outbox.c.id, sort_by_parameter_order=True)


@cache
def _claim_statement(inbox: Table, dialect: str):
    module = postgresql if dialect == "postgresql" else sqlite
    return (module.insert(inbox).on_conflict_do_nothing()
            .returning(inbox.c.message_id))  # rowcount is not reliable here across drivers


@cache
def _processed_statement(inbox: Table):
    return select(inbox.c.message_id).where(inbox.c.message_id == bindparam("message_id"),
                                            inbox.c.handler == bindparam("handler"))


def _dialect(handle: Connection | Session) -> str:
    bind = handle.get_bind() if isinstance(handle, Session) else handle
    return bind.dialect.name


class LeftUncommitted(Exception):
    """A unit of work in a batch without savepoints ended without commit: redo the batch with them."""


class SharedTransaction:
    """One connection and one transaction for a batch of messages (see the module docstring).

    ``unit()`` gives each message its unit of work (with ``savepoints``, each its own savepoint);
    ``commit()`` commits them all and then wakes the outbox relay once if any of them wrote events."""

    def __init__(self, engine: Engine, tables: MessagingTables,
                 on_events_committed: CommitHook | None = None, savepoints: bool = True):
        self.savepoints = savepoints
        self.spoiled = False  # without savepoints: a unit failed, the batch must be redone
        self._engine = engine
        self._tables = tables
        self._on_events_committed = on_events_committed
        self._outbox_rows: list[dict[str, Any]] = []
        self.connection: Connection | None = None
        self.events: list[Event] = []

    def __enter__(self) -> SharedTransaction:
        self.connection = self._engine.connect()
        self.connection.begin()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        assert self.connection is not None
        try:
            self.connection.rollback()  # no-op after a commit
        finally:
            self.connection.close()
            self.connection = None

    def unit(self) -> UnitOfWork:
        return UnitOfWork(self._engine, self._tables, shared=self)

    def adopt(self, events: list[Event], outbox_rows: list[dict[str, Any]]) -> None:
        """A unit of work committed (released its savepoint): its events commit with the batch."""
        self.events.extend(events)
        self._outbox_rows.extend(outbox_rows)

    def commit(self) -> None:
        assert self.connection is not None
        rows, self._outbox_rows = self._outbox_rows, []
        written = write_outbox(self.connection, self._tables, rows)
        self.connection.commit()
        if written and self._on_events_committed:
            self._on_events_committed(written)


def write_outbox(conn: Connection | Session, tables: MessagingTables,
                 rows: list[dict[str, Any]]) -> list[OutboxRow]:
    """The outbox rows of a transaction, in one statement (a multi-row insert); returns them as
    the relay publishes them."""
    if not rows:
        return []
    ids = conn.execute(_outbox_insert(tables.outbox), rows).scalars().all()
    return [OutboxRow(id_, row["event_id"], row["event_type"], row["exchange"],
                      row["routing_key"], row["body"], row["headers"])
            for id_, row in zip(ids, rows, strict=True)]


def apply_each(engine: Engine, tables: MessagingTables, items: Sequence[T],
               apply: Callable[[UnitOfWork, T], object],
               on_events_committed: CommitHook | None = None,
               ) -> list[BaseException | None]:
    """Apply ``apply(uow, item)`` to each item in one transaction; returns per item None (committed
    with the batch) or the exception that undid its changes. If the batch's commit fails, that
    raises: nothing of the batch was committed.

    Straight through first (no savepoints: they cost two statements per item); if anything fails,
    everything is rolled back and done again with a savepoint per item. ``apply`` may therefore
    run twice for an item: it must only write to the database it is given."""
    try:
        with SharedTransaction(engine, tables, on_events_committed, savepoints=False) as batch:
            for item in items:
                apply(batch.unit(), item)
                if batch.spoiled:  # it failed inside and its caller carried on
                    raise LeftUncommitted("a unit of work failed in a batch")
            batch.commit()
        return [None] * len(items)
    except Exception as exc:
        log.debug("batch of %d: %s; again, one savepoint per item", len(items), type(exc).__name__)
    outcomes: list[BaseException | None] = []
    with SharedTransaction(engine, tables, on_events_committed) as batch:
        for item in items:
            try:
                apply(batch.unit(), item)
            except Exception as exc:  # settled per message by the caller
                outcomes.append(exc)
            else:
                outcomes.append(None)
        batch.commit()
    return outcomes
