"""Case statistics by month, quarter or year, overall and per station, town, specialty, department
and deputy (plain Python over :class:`~services.archive.reports.rules.case_facts.CaseFacts`).

A period's figures are about the cases **received** in it (opened in county time; merged
duplicates left out): how many were accepted on time (响应率 = accepted on time / received),
resolved so far (解决率 = resolved / received), satisfied at the return visit (满意率 =
satisfied / return-visited), overdue, and reopened. See case_facts.py for each definition.

Per dimension a case counts under: its station (where it is now); its town (as routing read it, else the
form's, else the station's); the station's specialty (its "代表联络站+" feature); every department it was
forwarded or suggested to (cases that went to none are not in that table); every deputy linked to
it (on duty, acting, deliberating; case_links.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, fields

from liaison.contracts.periods import Period
from services.archive.reports.rules.case_facts import CaseFacts

DIMENSIONS = ("station", "town", "specialty", "department", "deputy")
DIMENSION_NAMES = {"station": "联络站", "town": "镇街", "specialty": "特色", "department": "承办部门",
                   "deputy": "代表"}
UNKNOWN_TOWN = "（未注明镇街）"


@dataclass
class Figures:
    received: int = 0
    accepted_on_time: int = 0
    resolved: int = 0
    return_visited: int = 0
    satisfied: int = 0
    overdue: int = 0
    reopened: int = 0

    def add(self, case: CaseFacts) -> None:
        self.received += 1
        self.accepted_on_time += case.accepted_on_time
        self.resolved += case.resolved
        self.return_visited += case.return_visited
        self.satisfied += case.satisfied
        self.overdue += case.overdue
        self.reopened += case.reopened

    @property
    def response_rate(self) -> float | None:
        return _rate(self.accepted_on_time, self.received)

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.resolved, self.received)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.return_visited)

    def as_dict(self) -> dict[str, int | float | None]:
        return {**asdict(self), "response_rate": self.response_rate,
                "resolution_rate": self.resolution_rate,
                "satisfaction_rate": self.satisfaction_rate}


COLUMNS = (*(f.name for f in fields(Figures)), "response_rate", "resolution_rate",
           "satisfaction_rate")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class StationInfo:
    code: str
    name: str
    town: str | None = None
    feature: str | None = None


def received_in(cases: Iterable[CaseFacts], period: Period) -> list[CaseFacts]:
    return [c for c in cases if c.opened_at is not None and period.contains(c.opened_at)
            and not c.merged]


def totals(cases: Iterable[CaseFacts]) -> Figures:
    figures = Figures()
    for case in cases:
        figures.add(case)
    return figures


def breakdown(cases: Iterable[CaseFacts], dimension: str, stations: Mapping[str, StationInfo],
              deputies_of: Mapping[str, Iterable[str]]) -> dict[str, Figures]:
    """Figures per key of ``dimension``, biggest first."""
    keys = _keys(dimension, stations, deputies_of)
    table: dict[str, Figures] = {}
    for case in cases:
        for key in keys(case):
            table.setdefault(key, Figures()).add(case)
    return dict(sorted(table.items(), key=lambda kv: (-kv[1].received, kv[0])))


def _keys(dimension: str, stations: Mapping[str, StationInfo],
          deputies_of: Mapping[str, Iterable[str]]) -> Callable[[CaseFacts], Iterable[str]]:
    def station_name(case: CaseFacts) -> str:
        info = stations.get(case.station or "")
        return (info.name if info else None) or case.station_name or case.station or "（未分派）"

    def town(case: CaseFacts) -> str:
        info = stations.get(case.station or "")
        return case.town or (info.town if info else None) or UNKNOWN_TOWN

    def specialty(case: CaseFacts) -> str:
        info = stations.get(case.station or "")
        return (info.feature if info else None) or station_name(case)

    choose: dict[str, Callable[[CaseFacts], Iterable[str]]] = {
        "station": lambda c: [station_name(c)],
        "town": lambda c: [town(c)],
        "specialty": lambda c: [specialty(c)],
        "department": lambda c: list(c.departments),
        "deputy": lambda c: sorted(set(deputies_of.get(c.case_id, ()))),
    }
    if dimension not in choose:
        raise ValueError(f"unknown dimension {dimension!r}; one of {', '.join(DIMENSIONS)}")
    return choose[dimension]


def to_csv(table: Mapping[str, Figures], dimension: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([dimension, *COLUMNS])
    for key, figures in table.items():
        row = figures.as_dict()
        writer.writerow([key, *("" if row[c] is None else row[c] for c in COLUMNS)])
    return out.getvalue()
