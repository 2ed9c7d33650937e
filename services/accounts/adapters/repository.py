"""Reads and writes of the accounts' tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import Session

from services.accounts.adapters.models import staff

Executor = Session | Connection


def add_staff(session: Executor, name: str, role: str, station: str | None, token_sha256: str,
              now: datetime) -> int:
    return int(session.execute(insert(staff).values(
        name=name, role=role, station=station, token_sha256=token_sha256,
        created_at=now).returning(staff.c.id)).scalar_one())


def active_by_token(session: Executor, token_sha256: str) -> Any | None:
    return session.execute(select(staff).where(staff.c.token_sha256 == token_sha256,
                                               staff.c.revoked_at.is_(None))).first()


def revoke(session: Executor, staff_id: int, now: datetime) -> bool:
    return session.execute(update(staff).where(staff.c.id == staff_id,
                                               staff.c.revoked_at.is_(None))
                           .values(revoked_at=now)).rowcount == 1


def members(session: Executor) -> list[dict]:
    rows = session.execute(select(staff.c.id, staff.c.name, staff.c.role, staff.c.station,
                                  staff.c.created_at, staff.c.revoked_at)
                           .order_by(staff.c.id)).all()
    return [dict(row._mapping) for row in rows]
