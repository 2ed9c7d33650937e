"""The accounts service: who the staff, deputies and county office are, and whose a credential is.
The HTTP front asks it over RPC; nothing else reads its tables."""

from __future__ import annotations

from liaison.service_kit.database import Database
from liaison.service_kit.rpc import rpc
from services.accounts.adapters.models import messaging
from services.accounts.handlers import staff_accounts


class AccountsService:
    name = "accounts"

    db = Database(messaging)

    @rpc
    def authenticate(self, token: str) -> dict | None:
        """The staff member a bearer token belongs to (``{name, role, station}``), or None."""
        with self.db.read() as connection:
            member = staff_accounts.authenticate(connection, token)
        return member.as_actor() if member else None
