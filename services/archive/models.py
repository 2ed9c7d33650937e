"""Archive's tables (prefix ``archive_``): the append-only case history and the state derived from it."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text

from liaison.db.messaging_tables import messaging_tables
from liaison.db.types import BigIntPK, JsonDoc, UtcDateTime

metadata = MetaData()

# Append-only: rows are inserted, never updated or deleted.
case_events = Table(
    "archive_case_events",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("case_id", String(32), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("producer", String(32), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("summary", Text, nullable=False),
    Column("data", JsonDoc, nullable=False),
    Index("ix_archive_case_events_case", "case_id", "occurred_at"),
)

# Derived from case_events (services/archive/lifecycle.py); rebuilt from them at will.
cases = Table(
    "archive_cases",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("external_id", String(100), index=True),
    Column("status", String(32)),
    Column("station", String(64), index=True),
    Column("station_name", String(100)),
    Column("title", String(100)),
    Column("channel", String(32)),
    Column("town", String(50)),
    Column("routing_reason", Text),
    Column("category", String(50)),
    Column("alert_level", String(8)),
    Column("paused", Boolean, nullable=False, default=False),
    Column("merged_into", String(32)),
    Column("satisfaction", String(24)),
    Column("opened_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("notifications_sent", Integer, nullable=False, default=0),
    Column("notifications_failed", Integer, nullable=False, default=0),
)

messaging = messaging_tables(metadata, "archive")
