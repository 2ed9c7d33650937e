"""The accounts service's tables (prefix ``accounts_``): staff accounts."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table

from liaison.db.messaging_tables import messaging_tables
from liaison.db.types import BigIntPK, UtcDateTime

metadata = MetaData()

staff = Table(
    "accounts_staff",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("name", String(50), nullable=False),
    Column("role", String(20), nullable=False),
    Column("station", String(64)),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

messaging = messaging_tables(metadata, "accounts")
