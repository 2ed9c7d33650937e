"""Notify's tables (prefix ``notify_``): what it knows of each case, and every notification.

A notification row is written (status ``pending``) in the same transaction that consumes the event,
then delivered: ``pending`` → ``sending`` (claimed) → ``sent``, or back to ``pending`` with a later
``next_attempt_at`` after a failed attempt, or ``failed`` after the last attempt.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text

from liaison.db.messaging_tables import messaging_tables
from liaison.db.types import BigIntPK, UtcDateTime

metadata = MetaData()

# What notify needs to know of a case, from its case_opened: how to reach the submitter, and the
# text the station's notice quotes.
cases = Table(
    "notify_cases",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("title", String(100), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("town", String(50)),
    Column("content", Text, nullable=False),
    Column("anonymous", Boolean, nullable=False),
    Column("name", String(50)),
    Column("phone", String(20)),
    Column("email", String(254)),
    Column("submitter_type", String(32)),
    Column("recorded_at", UtcDateTime, nullable=False),
    # The station that has the case now (from case_routed), and how to reach it.
    Column("station", String(64)),
    Column("station_name", String(100)),
    Column("station_email", String(254)),
    Column("station_webhook", String(500)),
)

# A case merged into another: the merged case's submitter is told what happens to the other.
merges = Table(
    "notify_merges",
    metadata,
    Column("case_id", String(32), primary_key=True),  # the merged (duplicate) case
    Column("into_case_id", String(32), nullable=False, index=True),
)

notifications = Table(
    "notify_notifications",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(120), nullable=False, unique=True),
    Column("case_id", String(32), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("audience", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("recipient", String(254), nullable=False),
    Column("recipient_masked", String(254), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("source_event_id", String(36), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_at", UtcDateTime),
    Column("sent_at", UtcDateTime),
    Index("ix_notify_notifications_due", "status", "next_attempt_at"),
)

messaging = messaging_tables(metadata, "notify")
