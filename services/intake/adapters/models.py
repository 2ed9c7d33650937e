"""Intake's tables (prefix ``intake_``): cases as received, rejected submissions, case numbers."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from liaison.db.messaging_tables import messaging_tables
from liaison.db.types import BigIntPK, JsonDoc, UtcDateTime

metadata = MetaData()

cases = Table(
    "intake_cases",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("tracking_number", String(32), nullable=False, unique=True),
    Column("external_id", String(100), nullable=False, unique=True),
    Column("fingerprint", String(64), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("submitter", JsonDoc, nullable=False),
    Column("town", String(50)),
    Column("title", String(100), nullable=False),
    Column("content", Text, nullable=False),
    Column("category", String(50)),
    Column("location", JsonDoc),
    Column("attachments", JsonDoc, nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("source", String(8), nullable=False),
)

rejections = Table(
    "intake_rejections",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("body_sha256", String(64), nullable=False),
    Column("source", String(8), nullable=False),
    Column("external_id", String(100)),
    Column("content_type", String(200)),
    Column("raw_body", LargeBinary, nullable=False),
    Column("reasons", JsonDoc, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    UniqueConstraint("body_sha256", "source", name="uq_intake_rejections_body"),
    Index("ix_intake_rejections_received_at", "received_at"),
)

tracking_sequences = Table(
    "intake_tracking_sequences",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last_value", Integer, nullable=False),
)

messaging = messaging_tables(metadata, "intake")
