"""The outbox and inbox tables every service keeps in its own database.

* outbox: events written in the same transaction as the change they announce, relayed to RabbitMQ
  after commit (``liaison.messaging.relay``). A crash between commit and publish leaves the row
  unpublished, and the relay publishes it on the next start.
* inbox: ids of the messages a handler has already applied, written in the same transaction as the
  effect, so a redelivered or duplicated message changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

from liaison.db.types import BigIntPK, JsonDoc, UtcDateTime


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table


@dataclass(frozen=True)
class OutboxRow:
    """An outbox row as the relay publishes it (read back, or handed over right after commit)."""

    id: int
    event_id: str
    event_type: str
    exchange: str
    routing_key: str
    body: str
    headers: dict[str, Any] | None


def messaging_tables(metadata: MetaData, prefix: str) -> MessagingTables:
    outbox = Table(
        f"{prefix}_outbox",
        metadata,
        Column("id", BigIntPK, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(64), nullable=False),
        Column("exchange", String(100), nullable=False),
        Column("routing_key", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("headers", JsonDoc, nullable=True),
        Column("created_at", UtcDateTime, nullable=False),
        Column("published_at", UtcDateTime, nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Index(f"ix_{prefix}_outbox_unpublished", "published_at", "id"),
    )
    inbox = Table(
        f"{prefix}_inbox",
        metadata,
        Column("message_id", String(64), primary_key=True),
        Column("handler", String(64), primary_key=True),
        Column("processed_at", UtcDateTime, nullable=False),
    )
    return MessagingTables(outbox=outbox, inbox=inbox)
