"""The accounts' use cases: make an account with its token, revoke it, list them, and say whose a
token is."""

from __future__ import annotations

from datetime import datetime

from services.accounts.adapters import repository
from services.accounts.adapters.repository import Executor
from services.accounts.rules.staff import (
    StaffMember,
    checked_account,
    looks_like_token,
    new_token,
    token_hash,
)


def create(session: Executor, name: str, role: str, station: str | None, now: datetime,
           known_stations: tuple[str, ...]) -> tuple[StaffMember, str]:
    """Make an account; returns it and its token (the only time the token exists in clear)."""
    name, role, station = checked_account(name, role, station, known_stations)
    token = new_token()
    new_id = repository.add_staff(session, name, role, station, token_hash(token), now)
    return StaffMember(new_id, name, role, station), token


def authenticate(session: Executor, token: str) -> StaffMember | None:
    if not looks_like_token(token):
        return None
    row = repository.active_by_token(session, token_hash(token))
    return StaffMember(row.id, row.name, row.role, row.station) if row else None


def revoke(session: Executor, staff_id: int, now: datetime) -> bool:
    return repository.revoke(session, staff_id, now)


def members(session: Executor) -> list[dict]:
    return repository.members(session)
