"""Routing's tables (prefix ``routing_``): one decision per case."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, Text

from liaison.db.messaging_tables import messaging_tables
from liaison.db.types import JsonDoc, UtcDateTime

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

messaging = messaging_tables(metadata, "routing")
