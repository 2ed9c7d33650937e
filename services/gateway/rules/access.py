"""Who may see and do what over HTTP: bearer tokens of staff accounts (kept by routing), a short
cache of who a token is, and the rule that staff see only their own station's cases."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

COUNTY_OFFICE = "county_office"
CACHE_SECONDS = 30.0  # a revoked token keeps working at most this long on a gateway


class AccessDenied(Exception):
    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message
        super().__init__(message)


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise AccessDenied(401, "unauthenticated", "an Authorization: Bearer <token> header is "
                                                   "required")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AccessDenied(401, "unauthenticated", "use Authorization: Bearer <token>")
    return token.strip()


class TokenCache:
    """token → actor for a little while (keyed by the token's hash, never the token)."""

    def __init__(self, seconds: float = CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self._seconds, self._clock = seconds, clock
        self._entries: dict[str, tuple[float, dict[str, Any] | None]] = {}

    def actor(self, token: str, lookup: Callable[[str], dict[str, Any] | None]) -> dict[str, Any]:
        """Who ``token`` belongs to (asking ``lookup`` at most every CACHE_SECONDS)."""
        key = hashlib.sha256(token.encode()).hexdigest()
        now = self._clock()
        hit = self._entries.get(key)
        if hit is None or hit[0] < now:
            if len(self._entries) > 10_000:
                self._entries.clear()
            hit = (now + self._seconds, lookup(token))
            self._entries[key] = hit
        if hit[1] is None:
            raise AccessDenied(401, "invalid_token", "the token is not valid (or was revoked)")
        return hit[1]


def may_see(actor: dict[str, Any], case: dict[str, Any]) -> bool:
    """The county office sees every case; staff and deputies their station's."""
    if actor["role"] == COUNTY_OFFICE:
        return True
    station = (case.get("station") or {}).get("code")
    return station is not None and station == actor.get("station")
