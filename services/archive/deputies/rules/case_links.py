"""Which case events enter which deputy's archive (plain Python).

A deputy is linked to a case by the case's own events, never by typing it in again:

* ``case_routed`` names the deputies on duty at the station (``case_on_duty``);
* every staff action taken by a deputy (actor role ``deputy``: accepted, answered, deliberated,
  forwarded, suggested, resolved, …) enters that deputy's archive under the event's type;
* the participants of a deliberation (代表议政) who are deputies, likewise;
* the return visit (回访) and its satisfaction enters the archive of every deputy linked to the
  case at the station that handled it.

Deputies are matched by name (and, where two share a name, by the station). The whole history of a
case is looked at each time, so events arriving out of order link the same entries; an entry is
appended once per deputy and event (``ledger.append``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from liaison.contracts.events import TRANSITION_EVENTS
from liaison.contracts.privacy import mask_text
from services.archive.cases.rules.history import SATISFACTION, describe
from services.archive.cases.rules.projection import HistoryEntry, in_order
from services.archive.deputies.adapters.ledger import NewEntry
from services.archive.deputies.rules.chain import deputy_chain

DELIBERATION_EVENTS = ("case_deliberation_scheduled", "case_deliberated")


@dataclass(frozen=True)
class RosterEntry:
    deputy_id: str
    name: str
    stations: tuple[str, ...]


class Roster:
    """Registered deputies, found by the name a case event gives (and its station)."""

    def __init__(self, deputies: Iterable[RosterEntry]):
        self._by_name: dict[str, list[RosterEntry]] = {}
        for deputy in deputies:
            self._by_name.setdefault(deputy.name, []).append(deputy)

    def find(self, name: str | None, station: str | None) -> str | None:
        candidates = self._by_name.get(name or "", [])
        if len(candidates) > 1:
            candidates = [d for d in candidates if station in d.stations]
        return candidates[0].deputy_id if len(candidates) == 1 else None

    def __bool__(self) -> bool:
        return bool(self._by_name)


@dataclass
class _Link:
    deputy_id: str
    entry: HistoryEntry
    roles: list[str]
    station: str | None


def links(history: Iterable[HistoryEntry], roster: Roster) -> list[NewEntry]:
    """Every archive entry the case's ``history`` makes for registered deputies."""
    ordered = in_order(history)
    title = next((mask_text(e.data.get("title") or "") for e in ordered
                  if e.event_type == "case_opened"), None)
    found: dict[tuple[str, str], _Link] = {}

    def link(deputy_id: str | None, entry: HistoryEntry, role: str, station: str | None) -> None:
        if deputy_id is None:
            return
        key = (deputy_id, entry.event_id)
        if key in found:
            found[key].roles.append(role)
        else:
            found[key] = _Link(deputy_id, entry, [role], station)

    for entry in ordered:
        data = entry.data
        if entry.event_type == "case_routed":
            station = data["station"]["code"]
            for deputy in data.get("deputies") or []:
                link(roster.find(deputy.get("name"), station), entry, "on_duty", station)
        elif entry.event_type in TRANSITION_EVENTS:
            station = data.get("station")
            actor = data.get("actor") or {}
            if actor.get("role") == "deputy":
                link(roster.find(actor.get("name"), actor.get("station") or station), entry,
                     "actor", station)
            if entry.event_type in DELIBERATION_EVENTS:
                for name in (data.get("details") or {}).get("participants") or []:
                    link(roster.find(name, station), entry, "participant", station)
    for entry in ordered:
        if entry.event_type == "case_return_visited":
            station = entry.data.get("station")
            handlers = {lk.deputy_id for lk in list(found.values()) if lk.station == station
                        and lk.entry.event_type != "case_return_visited"}
            for deputy_id in sorted(handlers):
                link(deputy_id, entry, "handled", station)
    return [_new_entry(lk, title) for lk in found.values()]


def _new_entry(link: _Link, title: str | None) -> NewEntry:
    entry = link.entry
    data: dict[str, Any] = entry.data
    details = data.get("details") or {}
    record: dict[str, Any] = {
        "case_id": entry.case_id, "event_type": entry.event_type, "roles": sorted(set(link.roles)),
        "station": link.station, "title": title,
    }
    if entry.event_type == "case_return_visited":
        satisfaction = details.get("satisfaction")
        record.update(satisfaction=satisfaction, status=data.get("status"),
                      summary=f"回访：{SATISFACTION.get(satisfaction, satisfaction)}")
    else:
        record.update(status=data.get("status", "routed"), summary=describe(entry))
        if details.get("department"):
            record["department"] = details["department"]
    return NewEntry(deputy_chain(link.deputy_id),
                    "case_on_duty" if entry.event_type == "case_routed" else entry.event_type,
                    entry.occurred_at, entry.event_id, record, deputy_id=link.deputy_id,
                    station=link.station, case_id=entry.case_id)
