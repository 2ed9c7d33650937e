"""Hot topics: the problems that many *different* concerns share in a period.

Ten reports of one village's sewage are one concern, not a hot topic. Cold radiators in five
compounds are five concerns of one topic (暖气不热): that is what a station or the county
should see. A topic is a kind of problem (``problems.KINDS``); each concern counts once, for
its main kind (the one its cases weigh most, titles counting double).

For a period [start, end) and a scope (the county, a town, a station, or a specialty given as
the codes of its stations) a topic is hot when at least ``min_concerns`` concerns of the scope
had a case in the period. Each topic carries its counts, the places, the trend against the
period of the same length just before, and example case ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.concerns.rules import places as P
from services.concerns.rules import problems
from services.concerns.rules.normalise import normalise


@dataclass(frozen=True)
class CaseRecord:
    """A case as hot topics need it (a service reads these from its tables)."""

    id: str
    town: str | None
    station: str | None
    title: str
    content: str
    opened_at: datetime
    duplicate_of: str | None = None


@dataclass(frozen=True)
class Scope:
    level: str  # "county", "town", "station" or "specialty"
    value: str | None = None  # the town, the station code, the specialty's name
    stations: frozenset[str] = frozenset()  # for a specialty: the codes of its stations

    @classmethod
    def county(cls) -> Scope:
        return cls("county")

    @classmethod
    def of_town(cls, town: str) -> Scope:
        return cls("town", town)

    @classmethod
    def of_station(cls, code: str) -> Scope:
        return cls("station", code, frozenset([code]))

    @classmethod
    def of_specialty(cls, name: str, stations: Iterable[str]) -> Scope:
        return cls("specialty", name, frozenset(stations))

    def contains(self, record: CaseRecord) -> bool:
        if self.level == "county":
            return True
        if self.level == "town":
            return record.town == self.value
        return record.station in self.stations


@dataclass(frozen=True)
class HotTopic:
    code: str  # the kind's stable code
    label: str  # zh-CN
    theme: str  # zh-CN
    concerns: int  # different concerns with a case in the period
    cases: int  # their cases in the period
    places: tuple[str, ...]  # where, one per concern, in order of first report
    previous_concerns: int  # the same count in the period just before
    trend: str  # zh-CN: 新出现, 上升, 持平, 下降
    examples: tuple[str, ...]  # the first case id of some concerns

    def as_dict(self) -> dict[str, Any]:
        return {"topic": self.code, "label": self.label, "theme": self.theme,
                "concerns": self.concerns, "cases": self.cases, "places": list(self.places),
                "previous_concerns": self.previous_concerns, "trend": self.trend,
                "examples": list(self.examples)}


def concern_roots(records: Sequence[CaseRecord]) -> dict[str, str]:
    """Case id -> the id of its concern's first case (following duplicate_of links)."""
    parent = {r.id: r.duplicate_of or r.id for r in records}

    def root(cid: str) -> str:
        seen = set()
        while parent.get(cid, cid) != cid and cid not in seen:
            seen.add(cid)
            cid = parent[cid]
        return cid

    return {r.id: root(r.id) for r in records}


def main_kind(records: Iterable[CaseRecord]) -> str | None:
    """The kind the cases of one concern weigh most; None when they name none."""
    total: dict[str, float] = defaultdict(float)
    for r in records:
        for code, w in problems.profile(normalise(r.title), normalise(r.content)).items():
            total[code] += w
    if not total:
        return None
    return min(total, key=lambda code: (-total[code], code))


def place_label(record: CaseRecord) -> str:
    """Where a case is, for people: its first named place, else its town."""
    text = "。".join(normalise(x) for x in (record.title, record.content))
    found = P.extract(text, record.town)
    named = [n for n in found.names if n.group != P.ROAD] or list(found.names)
    if named:
        return named[0].label
    if record.town:
        return record.town
    return next(iter(sorted(found.towns)), "地点不详")


def _concerns_in(records: Sequence[CaseRecord], roots: dict[str, str], start: datetime,
                 end: datetime, scope: Scope) -> dict[str, list[CaseRecord]]:
    by_root: dict[str, list[CaseRecord]] = defaultdict(list)
    for r in sorted(records, key=lambda r: (r.opened_at, r.id)):
        if start <= r.opened_at < end and scope.contains(r):
            by_root[roots[r.id]].append(r)
    return by_root


def hot_topics(records: Sequence[CaseRecord], start: datetime, end: datetime,
               scope: Scope | None = None, min_concerns: int = 3,
               max_examples: int = 5) -> list[HotTopic]:
    """The topics shared by at least ``min_concerns`` concerns in [start, end), most shared first."""
    scope = scope or Scope.county()
    roots = concern_roots(records)
    members: dict[str, list[CaseRecord]] = defaultdict(list)
    for r in records:
        members[roots[r.id]].append(r)
    kind_of = {root: main_kind(rs) for root, rs in members.items()}

    current = _concerns_in(records, roots, start, end, scope)
    previous = _concerns_in(records, roots, start - (end - start), start, scope)
    prev_count: dict[str, int] = defaultdict(int)
    for root in previous:
        if kind_of[root]:
            prev_count[kind_of[root]] += 1  # type: ignore[index]

    by_kind: dict[str, list[str]] = defaultdict(list)
    for root, _ in sorted(current.items(), key=lambda item: (item[1][0].opened_at, item[0])):
        code = kind_of[root]
        if code:
            by_kind[code].append(root)

    topics = []
    for code, roots_here in by_kind.items():
        if len(roots_here) < min_concerns:
            continue
        kind = problems.BY_CODE[code]
        firsts = [current[root][0] for root in roots_here]
        before = prev_count.get(code, 0)
        now = len(roots_here)
        trend = ("新出现" if before == 0 else "上升" if now > before else "下降" if now < before
                 else "持平")
        topics.append(HotTopic(
            code=code, label=kind.label, theme=kind.theme, concerns=now,
            cases=sum(len(current[root]) for root in roots_here),
            places=tuple(dict.fromkeys(place_label(r) for r in firsts)),
            previous_concerns=before, trend=trend,
            examples=tuple(r.id for r in firsts[:max_examples]),
        ))
    topics.sort(key=lambda t: (-t.concerns, -t.cases, t.code))
    return topics
