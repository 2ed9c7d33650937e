"""The case lifecycle: which event moves a case to which status. THE file for case states.

A case's status is derived from its history (the archive never stores a status it cannot
re-derive): fold the events in the order they happened.

    opened ──case_routed──▶ routed

Notification events are recorded in the history but do not change the status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

OPENED = "opened"
ROUTED = "routed"

STATUS_AFTER: dict[str, str] = {
    "case_opened": OPENED,
    "case_routed": ROUTED,
}

# Statuses in lifecycle order: an event arriving late never moves a case backwards.
ORDER: tuple[str, ...] = (OPENED, ROUTED)


@dataclass(frozen=True)
class HistoryEntry:
    event_id: str
    event_type: str
    case_id: str
    occurred_at: datetime
    producer: str
    actor: str
    data: dict[str, Any]


@dataclass
class CaseState:
    case_id: str
    status: str | None = None
    external_id: str | None = None
    title: str | None = None
    channel: str | None = None
    town: str | None = None
    station: str | None = None
    station_name: str | None = None
    routing_reason: str | None = None
    opened_at: datetime | None = None
    updated_at: datetime | None = None
    notifications_sent: int = 0
    notifications_failed: int = 0
    submitter: dict[str, Any] = field(default_factory=dict)


def derive(case_id: str, history: Iterable[HistoryEntry]) -> CaseState:
    """The case's current state from its history, in the order things happened."""
    state = CaseState(case_id=case_id)
    for entry in sorted(history, key=lambda e: (e.occurred_at, ORDER_INDEX.get(e.event_type, 99))):
        _apply(state, entry)
    return state


ORDER_INDEX = {event_type: i for i, event_type in enumerate(STATUS_AFTER)}


def _apply(state: CaseState, entry: HistoryEntry) -> None:
    data = entry.data
    state.updated_at = max(filter(None, (state.updated_at, entry.occurred_at)))
    new_status = STATUS_AFTER.get(entry.event_type)
    if new_status and (state.status is None or ORDER.index(new_status) >= ORDER.index(state.status)):
        state.status = new_status
    if entry.event_type == "case_opened":
        state.external_id = data.get("external_id")
        state.title = data.get("title")
        state.channel = data.get("channel")
        state.town = data.get("town")
        state.opened_at = entry.occurred_at
        state.submitter = data.get("submitter") or {}
    elif entry.event_type == "case_routed":
        state.station = data["station"]["code"]
        state.station_name = data["station"]["name"]
        state.routing_reason = data.get("reason")
    elif entry.event_type == "notification_sent":
        state.notifications_sent += 1
    elif entry.event_type == "notification_failed":
        state.notifications_failed += 1
