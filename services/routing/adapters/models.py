"""Routing's tables (prefix ``routing_``): the policy's decision, each case's working state, its
station assignments and its clocks."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

from liaison.db.messaging_tables import messaging_tables
from liaison.db.types import BigIntPK, JsonDoc, UtcDateTime

metadata = MetaData()

decisions = Table(
    "routing_decisions",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("station", String(64), nullable=False, index=True),
    Column("rule", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("town", String(50)),
    Column("deputies", JsonDoc, nullable=False),
    Column("source_event_id", String(36), nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
)


# The working state of each case (the lifecycle in services/routing/rules/lifecycle.py moves it).
cases = Table(
    "routing_cases",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("station", String(64), nullable=False, index=True),
    Column("status", String(32), nullable=False),
    Column("category", String(50)),
    Column("paused_at", UtcDateTime),
    Column("merged_into", String(32)),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # When the submitter's personal data was ordered erased (services/routing/rules/retention.py).
    Column("anonymized_at", UtcDateTime),
)

# Every station a case was assigned to, by the policy or by a person.
assignments = Table(
    "routing_assignments",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("case_id", String(32), nullable=False, index=True),
    Column("station", String(64), nullable=False),
    Column("rule", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("assigned_at", UtcDateTime, nullable=False),
)

# One clock per phase of a case (services/routing/rules/time_limits.py). ``stage`` is how far up the
# ladder it has gone: 0 on time, 1 yellow warning, 2 overdue (reminder), 3 督办, 4 reported.
deadlines = Table(
    "routing_deadlines",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("case_id", String(32), nullable=False, index=True),
    Column("phase", String(20), nullable=False),
    Column("station", String(64), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("warn_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("stage", Integer, nullable=False),
    Column("completed_at", UtcDateTime),
    Index("ix_routing_deadlines_open", "completed_at", "warn_at"),
)


messaging = messaging_tables(metadata, "routing")
