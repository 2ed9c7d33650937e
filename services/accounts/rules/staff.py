"""Staff accounts: who may act, and how a machine proves it with a bearer token.

A token is 32 random bytes (``lsk_`` + URL-safe base64): with that much entropy a plain SHA-256 is
the right hash (nothing to brute-force; a slow password hash would only slow every request).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from liaison.contracts.vocabulary import COUNTY_OFFICE, ROLES

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


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def looks_like_token(token: str | None) -> bool:
    return bool(token) and token.startswith(TOKEN_PREFIX)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def checked_account(name: str, role: str, station: str | None,
                    known_stations: tuple[str, ...]) -> tuple[str, str, str | None]:
    """(name, role, station) as they will be stored, or StaffError saying what is wrong."""
    if role not in ROLES:
        raise StaffError(f"role must be one of {', '.join(sorted(ROLES))}")
    if role == COUNTY_OFFICE:
        station = None
    elif station not in known_stations:
        raise StaffError(f"unknown station {station!r}")
    if not name.strip():
        raise StaffError("a name is required")
    return name.strip(), role, station
