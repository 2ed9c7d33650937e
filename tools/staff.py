"""Staff accounts from the tools: the accounts service's commands, checked against the stations
routing knows (the tools are where services meet)."""

from __future__ import annotations

from services.accounts import commands as accounts
from services.accounts.rules.staff import StaffMember


def station_codes() -> tuple[str, ...]:
    from services.routing.rules.registry import default_registry

    return default_registry().codes


def add_staff(name: str, role: str, station: str | None) -> tuple[StaffMember, str]:
    return accounts.add_staff(name, role, station, station_codes())


def revoke_staff(staff_id: int) -> bool:
    return accounts.revoke_staff(staff_id)
