"""The outbox relay: publishes committed outbox rows to RabbitMQ, then marks them published.

Two ways in:

* ``relay_rows``: the rows a commit of this process just wrote, handed over in memory by the
  unit of work, so the relay does not read them back (on PostgreSQL the mark is then the round's
  only statement);
* ``relay_all``: a sweep of whatever is still unpublished in the table (a crash between commit and
  relay, a publish that failed). ``min_age`` leaves alone rows so young that the process that wrote
  them is probably about to relay them itself.

At least once: a crash after the publish and before the mark publishes the row again on restart,
and the consumers' inbox makes that harmless. Several instances of one service may sweep the same
outbox; on PostgreSQL they split the rows (``FOR UPDATE SKIP LOCKED``), on SQLite they serialize.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, bindparam, func, select, update

from liaison.db.engine import is_sqlite
from liaison.db.messaging_tables import MessagingTables, OutboxRow
from liaison.messaging.publisher import BatchConfirmedPublisher, ConfirmedPublisher
from liaison.service_kit import metrics

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        tables: MessagingTables,
        publisher: ConfirmedPublisher | BatchConfirmedPublisher,
        batch_size: int = 200,
    ):
        self._engine = engine
        self._outbox = tables.outbox
        self._publisher = publisher
        self.batch_size = batch_size
        self._service = self._outbox.name.removesuffix("_outbox")
        # built once (a statement built per round costs more than running it on SQLite)
        self._mark_statement = (
            update(self._outbox)
            .where(self._outbox.c.id.in_(bindparam("ids", expanding=True)))
            .values(published_at=bindparam("now"), attempts=self._outbox.c.attempts + 1))

    def backlog(self) -> int:
        """How many committed events wait to be published."""
        with self._engine.connect() as conn:
            query = select(func.count()).where(self._outbox.c.published_at.is_(None))
            return int(conn.execute(query).scalar_one())

    def relay_rows(self, rows: list[OutboxRow]) -> int:
        """Publish rows this process has just committed, then mark them; returns how many."""
        published = self._publish(rows)
        self._mark(published)
        return len(published)

    def relay_batch(self, min_age: float = 0.0) -> int:
        """Publish up to one batch of unpublished events; returns how many were published."""
        outbox = self._outbox
        query = (
            select(outbox.c.id, outbox.c.event_id, outbox.c.event_type, outbox.c.exchange,
                   outbox.c.routing_key, outbox.c.body, outbox.c.headers)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id)
            .limit(self.batch_size)
        )
        if min_age > 0:
            query = query.where(outbox.c.created_at < datetime.now(UTC) - timedelta(seconds=min_age))
        if is_sqlite(self._engine):
            # SQLite: read, then publish outside any transaction (a held write lock would stall
            # every other writer of the file while we wait on the broker).
            with self._engine.connect() as conn:
                rows = conn.execute(query).all()
            published = self._publish(rows)
            self._mark(published)
            return len(published)
        with self._engine.begin() as conn:
            rows = conn.execute(query.with_for_update(skip_locked=True)).all()
            published = self._publish(rows)
            if published:
                conn.execute(self._mark_statement, {"ids": published, "now": datetime.now(UTC)})
        return len(published)

    def relay_all(self, should_stop: Callable[[], bool] = lambda: False,
                  min_age: float = 0.0) -> int:
        """Sweep: publish every unpublished row at least ``min_age`` seconds old."""
        total = 0
        while not should_stop():
            count = self.relay_batch(min_age)
            total += count
            if count < self.batch_size:
                break
        return total

    def _publish(self, rows) -> list[int]:
        """The ids of the rows the broker confirmed (published in order; the rest stay)."""
        published = (self._publish_batch(rows) if isinstance(self._publisher, BatchConfirmedPublisher)
                     else self._publish_each(rows))
        if rows:
            metrics.RELAY_BATCH.labels(self._service).observe(len(published))
            done = set(published)
            for row in rows:
                if row.id in done:
                    metrics.EVENTS_PUBLISHED.labels(self._service, row.event_type).inc()
            if len(done) < len(rows):
                metrics.PUBLISH_UNCONFIRMED.labels(self._service).inc(len(rows) - len(done))
        return published

    def _publish_each(self, rows) -> list[int]:
        published: list[int] = []
        try:
            for row in rows:
                self._publisher.publish(
                    row.body,
                    exchange=row.exchange,
                    routing_key=row.routing_key,
                    message_id=row.event_id,
                    headers=row.headers or {},
                )
                published.append(row.id)
        except Exception:
            # Keep what was confirmed; the rest stays in the outbox for the next round.
            log.exception("outbox relay: publish failed after %d of %d", len(published), len(rows))
            if not published:
                raise
        return published

    def _publish_batch(self, rows) -> list[int]:
        if not rows:
            return []
        confirmed = self._publisher.publish_batch([
            {"body": row.body, "exchange": row.exchange, "routing_key": row.routing_key,
             "message_id": row.event_id, "headers": row.headers or {}}
            for row in rows
        ])
        published = [row.id for row, ok in zip(rows, confirmed, strict=True) if ok]
        if len(published) < len(rows):
            log.warning("outbox relay: %d of %d not confirmed; kept for the next round",
                        len(rows) - len(published), len(rows))
        return published

    def _mark(self, ids: list[int]) -> None:
        if not ids:
            return
        params = {"ids": ids, "now": datetime.now(UTC)}
        if is_sqlite(self._engine):
            with self._engine.begin() as conn:
                conn.execute(self._mark_statement, params)
            return
        # One statement is atomic on its own: no BEGIN and COMMIT round trips around it.
        with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(self._mark_statement, params)
