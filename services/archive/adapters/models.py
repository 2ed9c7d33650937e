"""Archive's tables (prefix ``archive_``): the append-only case history and the state derived from
it; the deputy registry; the deputies' and stations' hash-chained archive entries."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

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

# --- the deputy registry (services/archive/deputies/rules/registry.py) ------------------------
# The registry as it stands, written with the event that announces each change (version: the
# number of changes so far). The archive entries below are built from those events.
deputies = Table(
    "archive_deputies",
    metadata,
    Column("deputy_id", String(64), primary_key=True),
    Column("name", String(50), nullable=False, index=True),
    Column("level", String(16), nullable=False),
    Column("group_name", String(100)),
    Column("stations", JsonDoc, nullable=False),
    Column("profession", String(100)),
    Column("term_code", String(64), nullable=False),
    Column("term_name", String(100)),
    Column("term_start", Date, nullable=False),
    Column("term_end", Date, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("details", JsonDoc, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

stations = Table(
    "archive_stations",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("town", String(50)),
    Column("feature", String(100)),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# What staff asked to record (the idempotency key of each record, and what later records are
# checked against, e.g. the suggestion an answer belongs to); written with the record's event.
records = Table(
    "archive_records",
    metadata,
    Column("record_type", String(32), primary_key=True),
    Column("record_id", String(100), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("deputies", JsonDoc, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
)

# --- the archive entries (services/archive/deputies/rules/chain.py) ---------------------------
# Append-only and tamper-evident: each entry's hash covers its content and the previous entry's
# hash in the same chain ("deputy:<id>" or "station:<code>"); `liaison archive verify` re-checks.
entries = Table(
    "archive_entries",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("chain", String(100), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("deputy_id", String(64)),
    Column("station", String(64)),
    Column("case_id", String(32)),
    Column("record_id", String(100)),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("source_event_id", String(36), nullable=False),
    Column("data", JsonDoc, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("chain", "seq", name="uq_archive_entries_chain_seq"),
    UniqueConstraint("chain", "source_event_id", name="uq_archive_entries_chain_source"),
    Index("ix_archive_entries_deputy", "deputy_id", "occurred_at"),
    Index("ix_archive_entries_station", "station", "occurred_at"),
)

# The head of each chain: its length and last hash (a truncated chain does not match it).
chains = Table(
    "archive_chains",
    metadata,
    Column("chain", String(100), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

messaging = messaging_tables(metadata, "archive")
