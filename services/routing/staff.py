"""Staff accounts: bearer tokens for the HTTP API, stored as SHA-256 hashes.

A token is 32 random bytes (``lsk_`` + URL-safe base64): with that much entropy a plain SHA-256 is
the right hash (nothing to brute-force; a slow password hash would only slow every request).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from services.routing.lifecycle import COUNTY_OFFICE, ROLES
from services.routing.models import staff

TOKEN_PREFIX = "lsk_"  # noqa: S105 - a prefix, not a secret


@dataclass(frozen=True)
class StaffMember:
    id: int
    name: str
    role: str
    station: str | None

    def as_actor(self) -> dict[str, str | None]:
        return {"name": self.name, "role": self.role, "station": self.station}


class StaffError(ValueError):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(session: Session, name: str, role: str, station: str | None, now: datetime,
           known_stations: tuple[str, ...]) -> tuple[StaffMember, str]:
    """Make an account; returns it and its token (the only time the token exists in clear)."""
    if role not in ROLES:
        raise StaffError(f"role must be one of {', '.join(sorted(ROLES))}")
    if role == COUNTY_OFFICE:
        station = None
    elif station not in known_stations:
        raise StaffError(f"unknown station {station!r}")
    if not name.strip():
        raise StaffError("a name is required")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    new_id = session.execute(insert(staff).values(
        name=name.strip(), role=role, station=station, token_sha256=token_hash(token),
        created_at=now).returning(staff.c.id)).scalar_one()
    return StaffMember(int(new_id), name.strip(), role, station), token


def authenticate(session: Session, token: str) -> StaffMember | None:
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = session.execute(select(staff).where(staff.c.token_sha256 == token_hash(token),
                                              staff.c.revoked_at.is_(None))).first()
    return StaffMember(row.id, row.name, row.role, row.station) if row else None


def revoke(session: Session, staff_id: int, now: datetime) -> bool:
    return session.execute(update(staff).where(staff.c.id == staff_id,
                                               staff.c.revoked_at.is_(None))
                           .values(revoked_at=now)).rowcount == 1


def members(session: Session) -> list[dict]:
    rows = session.execute(select(staff.c.id, staff.c.name, staff.c.role, staff.c.station,
                                  staff.c.created_at, staff.c.revoked_at)
                           .order_by(staff.c.id)).all()
    return [dict(row._mapping) for row in rows]
