"""What the statistics count about one case, read from its history (plain Python).

* **accepted on time** (按时签收, for 响应率): the first ``case_accepted`` came no later than the
  sign-for due time then in force (the ``deadlines`` the events carry);
* **resolved** (for 解决率): some step led to ``resolved`` (当场答复, 议政结果, 办结);
* **satisfied** (for 满意率): the last return visit said satisfied or basically satisfied;
* **overdue**: a phase ended after its due time, a phase is still open past it at ``as_of`` (not
  while the clock is paused), or routing announced ``case_overdue``;
* **reopened**: a dissatisfied return visit reopened it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from liaison.contracts.events import TRANSITION_EVENTS
from liaison.contracts.vocabulary import CONTENT
from services.archive.cases.rules.projection import HistoryEntry, in_order

SATISFIED = CONTENT


@dataclass(frozen=True)
class CaseFacts:
    case_id: str
    opened_at: datetime | None
    station: str | None
    station_name: str | None
    town: str | None
    departments: tuple[str, ...]
    status: str | None
    merged: bool
    accepted: bool
    accepted_on_time: bool
    resolved: bool
    return_visited: bool
    satisfied: bool
    reopened: bool
    overdue: bool


def case_facts(case_id: str, history: Iterable[HistoryEntry], as_of: datetime) -> CaseFacts:
    opened_at = town = station = station_name = status = satisfaction = None
    departments: list[str] = []
    deadlines: dict[str, str] = {}
    accepted = on_time = resolved = visited = reopened = overdue = paused = False
    for entry in in_order(history):
        data, kind, at = entry.data, entry.event_type, entry.occurred_at
        if kind == "case_opened":
            opened_at, town = at, town or data.get("town")
            status = status or "opened"
        elif kind == "case_routed":
            station, station_name, status = data["station"]["code"], data["station"]["name"], "routed"
            town = data.get("town") or town  # routing's reading of it: the canonical name
        elif kind in TRANSITION_EVENTS:
            status, paused = data["status"], bool(data.get("paused"))
            if data.get("new_station"):
                station, station_name = data["new_station"], None
            if kind == "case_accepted" and not accepted:
                due = deadlines.get("sign_for")
                accepted, on_time = True, due is None or at <= _time(due)
            if status == "resolved":
                resolved = True
            department = (data.get("details") or {}).get("department")
            if department and department not in departments:
                departments.append(department)
            if kind == "case_return_visited":
                visited = True
                satisfaction = (data.get("details") or {}).get("satisfaction")
                reopened = reopened or status == "reopened"
        elif kind == "case_overdue":
            overdue = True
        if kind == "case_routed" or kind in TRANSITION_EVENTS:
            after = data.get("deadlines") or {}
            overdue = overdue or any(phase not in after and at > _time(due)
                                     for phase, due in deadlines.items())
            deadlines = dict(after)
    if not paused:
        overdue = overdue or any(_time(due) < as_of for due in deadlines.values())
    return CaseFacts(case_id, opened_at, station, station_name, town, tuple(departments), status,
                     status == "merged", accepted, on_time, resolved, visited,
                     satisfaction in SATISFIED, reopened, overdue)


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)
