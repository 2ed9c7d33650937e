"""``INSERT … ON CONFLICT DO NOTHING`` for both SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Connection | Session, table: Table, values: dict[str, Any]) -> None:
    bind = session.get_bind() if isinstance(session, Session) else session
    dialect = bind.dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    session.execute(module.insert(table).values(**values).on_conflict_do_nothing())
