"""A case's current state, folded from its history (the archive never stores a state it cannot
re-derive). The lifecycle's rules live in ``services/routing/rules/lifecycle.py``; the events carry the
status each step led to, and this file only reads them in the order things happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from liaison.contracts.events import DEADLINE_EVENTS, TRANSITION_EVENTS

# Among events of the same instant, the order they belong in (a decline before the re-routing).
# Events whose only effect on the case is one more on a counter (and a later updated_at): the
# archive adds them to the case row as they come instead of deriving the whole case again.
COUNTER_EVENTS = {"notification_sent": "notifications_sent",
                  "notification_failed": "notifications_failed"}

_TIE_ORDER = {"case_opened": 0, **{t: 1 for t in TRANSITION_EVENTS}, "case_routed": 2,
              **{t: 3 for t in DEADLINE_EVENTS}, "notification_sent": 4, "notification_failed": 4}


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
    content: str | None = None
    channel: str | None = None
    category: str | None = None
    town: str | None = None
    station: str | None = None
    station_name: str | None = None
    routing_reason: str | None = None
    opened_at: datetime | None = None
    updated_at: datetime | None = None
    deadlines: dict[str, str] = field(default_factory=dict)
    alerts: dict[str, dict[str, str]] = field(default_factory=dict)  # phase -> {level, step}
    paused: bool = False
    merged_into: str | None = None
    satisfaction: str | None = None
    notifications_sent: int = 0
    notifications_failed: int = 0
    submitter: dict[str, Any] = field(default_factory=dict)

    @property
    def alert_level(self) -> str | None:
        levels = {a["level"] for a in self.alerts.values()}
        return "red" if "red" in levels else ("yellow" if levels else None)


def in_order(history: Iterable[HistoryEntry]) -> list[HistoryEntry]:
    return sorted(history, key=lambda e: (e.occurred_at, _TIE_ORDER.get(e.event_type, 9)))


def derive(case_id: str, history: Iterable[HistoryEntry]) -> CaseState:
    state = CaseState(case_id=case_id)
    for entry in in_order(history):
        apply(state, entry)
    return state


def apply(state: CaseState, entry: HistoryEntry) -> None:
    data = entry.data
    kind = entry.event_type
    state.updated_at = max(filter(None, (state.updated_at, entry.occurred_at)))
    if kind == "case_opened":
        state.status = state.status or "opened"
        state.external_id = data.get("external_id")
        state.title = data.get("title")
        state.content = data.get("content")
        state.channel = data.get("channel")
        state.category = data.get("category")
        state.town = data.get("town")
        state.opened_at = entry.occurred_at
        state.submitter = data.get("submitter") or {}
    elif kind == "case_routed":
        state.status = "routed"
        state.station = data["station"]["code"]
        state.station_name = data["station"]["name"]
        state.routing_reason = data.get("reason")
        _set_deadlines(state, data.get("deadlines") or {})
    elif kind in TRANSITION_EVENTS:
        state.status = data["status"]
        state.paused = bool(data.get("paused"))
        _set_deadlines(state, data.get("deadlines") or {})
        if kind == "case_merged":
            state.merged_into = data["details"].get("into")
        if kind == "case_return_visited":
            state.satisfaction = data["details"].get("satisfaction")
    elif kind in DEADLINE_EVENTS:
        if data["phase"] in state.deadlines or not state.deadlines:
            state.alerts[data["phase"]] = {"level": data["level"], "step": data["step"]}
    elif kind in COUNTER_EVENTS:
        counter = COUNTER_EVENTS[kind]
        setattr(state, counter, getattr(state, counter) + 1)


def _set_deadlines(state: CaseState, deadlines: dict[str, str]) -> None:
    """The open clocks after a step; alerts of clocks that ended (or restarted) go away."""
    state.alerts = {phase: alert for phase, alert in state.alerts.items()
                    if deadlines.get(phase) == state.deadlines.get(phase)}
    state.deadlines = dict(deadlines)
