"""Duplicate concerns: is a new case the same concrete problem at the same place as an earlier one?

The rule (the README of the labelled sets): two cases are one concern when they report the same
concrete problem at the same place within 60 days. The same kind of problem at another place is
another concern; another problem at the same place is another concern; a theme shared by many
places is a hot topic, not a duplicate. A false merge costs more than a miss, so when in doubt
the detector keeps cases apart.

A pair is judged by ``judge(a, b)``, a pure function of the two cases' features: every instance
of the service decides the same for the same pair, whatever else its index holds.

1. Time: more than 60 days apart -> different.
2. Place (``places.compare``): a town, a village, a compound, a company, a school that differ
   -> different; a shared place name (homophone spellings alike) -> same place; no name either
   way but the same road or points within 150 m -> near (counts only with a clear problem match).
3. Problem: the kinds of problem (``problems.profile``, the title counting double) must share
   one; their weighted cosine with the cosine of the telling words (``words``) gives the problem
   score. A lift or a radiator of another building is another problem.
4. Score = problem score (x 0.85 when the place is only near); a duplicate from ``THRESHOLD``.

``DuplicateIndex`` holds the cases of the window and finds candidates through inverted keys
(place name x kind, map cell x kind, town x kind), so that checking a case costs a few hundred
pair judgements at most, not one per case held.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.concerns.rules import places as P
from services.concerns.rules import problems, words
from services.concerns.rules.normalise import normalise

WINDOW = timedelta(days=60)
THRESHOLD = 0.5  # score from which a pair is one concern
NEAR_FACTOR = 0.85  # a place that is only near (road, 150 m) counts for less than a shared name
MAX_PER_KEY = 200  # most recent cases looked at per index key (a place with thousands of reports)
PER_CONCERN = 4  # most recent cases of one concern judged (its other cases add little)


# --------------------------------------------------------------------------- the case record


@dataclass(frozen=True)
class Case:
    """What the detector needs of a case. ``from_row`` reads intake's and the data sets' shapes."""

    id: str
    title: str
    content: str
    opened_at: datetime
    town: str | None = None
    address: str | None = None
    lat: float | None = None
    lng: float | None = None
    station: str | None = None
    duplicate_of: str | None = None  # known link (rebuilding an index); never read by check()

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Case:
        """From a mapping with id, title, content, opened_at or submitted_at (datetime or ISO 8601
        with a zone), town, location {address, lat, lng} or address/lat/lng, station, duplicate_of."""
        when = row.get("opened_at") or row.get("submitted_at")
        if isinstance(when, str):
            when = datetime.fromisoformat(when)
        if not isinstance(when, datetime):
            raise ValueError(f"case {row.get('id')!r}: opened_at/submitted_at missing")
        loc = row.get("location") or {}
        return cls(
            id=str(row["id"]), title=row.get("title") or "", content=row.get("content") or "",
            opened_at=when, town=row.get("town") or None,
            address=loc.get("address") or row.get("address"),
            lat=_float(loc.get("lat", row.get("lat"))), lng=_float(loc.get("lng", row.get("lng"))),
            station=row.get("station"), duplicate_of=row.get("duplicate_of"),
        )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class Features:
    """Everything the pair judgement reads, computed once per case."""

    id: str
    opened_at: datetime
    places: P.Places
    kinds: Mapping[str, float]  # kind code -> weight
    kind_norm: float
    main_kinds: frozenset[str]  # the kinds of the highest weight
    words: frozenset[str]
    word_norm: float  # sqrt of the sum of squared word weights
    headline: str  # the title, for reasons

    @property
    def kind_codes(self) -> tuple[str, ...]:
        return tuple(sorted(self.kinds, key=lambda k: (-self.kinds[k], k)))


def features(case: Case) -> Features:
    title, content = normalise(case.title), normalise(case.content)
    address = normalise(case.address) if case.address else ""
    text = "。".join(x for x in (title, content, address) if x)
    places = P.extract(text, case.town, case.lat, case.lng)
    kinds = problems.profile(title, content)
    telling = words.words(places.residue)
    return Features(
        id=case.id, opened_at=case.opened_at, places=places, kinds=kinds,
        kind_norm=math.sqrt(sum(w * w for w in kinds.values())),
        main_kinds=problems.main_kinds(kinds), words=telling, word_norm=words.norm(telling),
        headline=case.title,
    )


# --------------------------------------------------------------------------- one pair


@dataclass(frozen=True)
class Judgement:
    """The verdict on one pair, with the evidence a person reads."""

    duplicate: bool
    score: float
    veto: str = ""  # zh-CN: why the pair cannot be one concern, if it cannot
    place: P.PlaceMatch | None = None
    shared_kinds: tuple[str, ...] = ()
    shared_words: tuple[str, ...] = ()
    days: float = 0.0

    @property
    def reason(self) -> str:
        """zh-CN, e.g. "同为石头园村；同一问题：污水外溢；共有词：污水、管网；相距 40 米；相隔 13 天"."""
        if self.veto:
            return self.veto
        return _reason(self.place, self.shared_kinds, self.shared_words, self.days)  # type: ignore[arg-type]


def judge(new: Features, old: Features, window: timedelta = WINDOW) -> Judgement:
    """Whether ``new`` and ``old`` are one concern. Pure: depends on these two cases only."""
    days = abs((new.opened_at - old.opened_at).total_seconds()) / 86400
    if days > window.total_seconds() / 86400:
        return Judgement(False, 0.0, f"相隔 {days:.0f} 天，超过 {window.days} 天")
    place = P.compare(new.places, old.places)
    if place.level == "conflict":
        return Judgement(False, 0.0, place.why, place)
    if place.level == "none":
        return Judgement(False, 0.0, "无共同地点", place)

    shared = tuple(k for k in new.kind_codes if k in old.kinds)
    if new.kinds and old.kinds:
        # each must be mostly about a problem the other names: a garbage point at a ship lock
        # that also mentions the anchorage's queue is not the queue
        if not shared or not (new.main_kinds & old.kinds.keys()) or not (
                old.main_kinds & new.kinds.keys()):
            return Judgement(False, 0.0, f"{_place_phrase(place)}，但问题不同（"
                             f"{_kind_label(new.kind_codes[0])}／{_kind_label(old.kind_codes[0])}）",
                             place)
        kind_sim = sum(new.kinds[k] * old.kinds[k] for k in shared) / (new.kind_norm * old.kind_norm)
    else:
        kind_sim = 0.0

    per_building = [k for k in shared if problems.BY_CODE[k].per_building]
    nb, ob = new.places.buildings, old.places.buildings
    if per_building and nb and ob and not (nb & ob):
        return Judgement(False, 0.0, f"{_place_phrase(place)}，但楼栋不同（{_buildings(nb)}／"
                         f"{_buildings(ob)}）", place, shared)

    word_sim, shared_words = words.similarity(new.words, old.words, new.word_norm, old.word_norm)
    # when one of them names no known kind of problem only the words can tell, and they are
    # weaker evidence than two kinds that agree
    problem = 0.7 * kind_sim + 0.3 * word_sim if new.kinds and old.kinds else 0.8 * word_sim

    score = problem * (1.0 if place.level == "same" else NEAR_FACTOR)
    if place.level == "near" and kind_sim < 0.6:
        score = min(score, THRESHOLD - 0.01)  # near and a loose problem match: never enough
    score = round(score, 3)
    return Judgement(score >= THRESHOLD, score, "", place, shared, tuple(shared_words[:5]), days)


def _kind_label(code: str) -> str:
    return problems.BY_CODE[code].label


def _buildings(numbers: Iterable[str]) -> str:
    return "、".join(f"{n}号楼" for n in sorted(numbers, key=lambda x: (len(x), x)))


def _place_phrase(place: P.PlaceMatch) -> str:
    if place.level == "same":
        return "同为" + "、".join(place.shared[:3])
    if place.shared:
        return "同在" + "、".join(place.shared[:2]) + "附近"
    if place.distance_m is not None:
        return f"相距 {place.distance_m:.0f} 米"
    return "地点相近"


def _reason(place: P.PlaceMatch, kinds: tuple[str, ...], shared_words: tuple[str, ...],
            days: float) -> str:
    parts = [_place_phrase(place)]
    if kinds:
        parts.append("同一问题：" + "、".join(_kind_label(k) for k in kinds[:2]))
    if shared_words:
        parts.append("共有词：" + "、".join(shared_words[:5]))
    if place.distance_m is not None and place.level == "same":
        parts.append(f"相距 {place.distance_m:.0f} 米")
    parts.append(f"相隔 {days:.0f} 天")
    return "；".join(parts)


# --------------------------------------------------------------------------- the index


@dataclass(frozen=True)
class Decision:
    """The answer for one case: an earlier concern it belongs to, or none."""

    id: str
    duplicate_of: str | None  # the first case of the concern matched
    matched: str | None  # the case it was compared with (may be a later member of that concern)
    score: float
    reason: str  # zh-CN

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "duplicate_of": self.duplicate_of, "score": self.score,
                "reason": self.reason}


@dataclass
class _Entry:
    features: Features
    root: str
    keys: tuple[str, ...]


# Map cells of 0.002 degrees (about 220 m north-south, 180 m east-west here): the 3 x 3 cells
# around a point hold everything within NEAR_M of it.
_CELL = 0.002


def _cell(lat: float, lng: float) -> tuple[int, int]:
    return math.floor(lat / _CELL), math.floor(lng / _CELL)


def _kind_slots(f: Features) -> tuple[str, ...]:
    return f.kind_codes or ("-",)


def _index_keys(f: Features) -> tuple[str, ...]:
    keys: list[str] = []
    for slot in _kind_slots(f):
        for name in f.places.names:
            keys.append(f"n|{name.key}|{slot}")
        if f.places.has_point:
            cy, cx = _cell(f.places.lat, f.places.lng)  # type: ignore[arg-type]
            keys.append(f"g|{cy}|{cx}|{slot}")
        for town in f.places.towns:
            keys.append(f"t|{town}|{slot}")
    return tuple(dict.fromkeys(keys))


class DuplicateIndex:
    """The cases of a sliding window, and the decision for each new one.

    Typical use by a service: build it at start from the stored cases (``rebuild``), then for
    each new case ``decision = index.observe(case)`` (check, then add with that decision).
    ``check`` never changes the index, ``add`` records a case with its known concern.
    Cases older than the window before the newest one are dropped as cases arrive (``prune``).
    """

    def __init__(self, window: timedelta = WINDOW, threshold: float = THRESHOLD) -> None:
        self.window = window
        self.threshold = threshold
        self._entries: dict[str, _Entry] = {}
        self._postings: dict[str, dict[str, None]] = {}  # key -> ids in arrival order
        self._names: dict[str, int] = {}  # place name key -> how many entries carry it
        self._name_lengths: dict[int, int] = {}
        self._timeline: list[tuple[datetime, str]] = []  # sorted by time, for pruning
        self._newest: datetime | None = None

    # ----------------------------------------------------------------- reading

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, case_id: object) -> bool:
        return case_id in self._entries

    def root_of(self, case_id: str) -> str | None:
        entry = self._entries.get(case_id)
        return entry.root if entry else None

    def candidates(self, case: Case | Features) -> list[tuple[str, Judgement]]:
        """Every earlier case found through the keys, judged against ``case``, best first."""
        f = case if isinstance(case, Features) else features(case)
        judged = []
        for cid in self._candidate_ids(f):
            entry = self._entries[cid]
            judged.append((cid, judge(f, entry.features, self.window)))
        judged.sort(key=lambda item: (-item[1].score, self._entries[item[0]].features.opened_at, item[0]))
        return judged

    def check(self, case: Case | Features) -> Decision:
        """The decision for ``case``: the best earlier case scoring at least the threshold."""
        f = case if isinstance(case, Features) else features(case)
        judged = self.candidates(f)
        best = next(((cid, j) for cid, j in judged if j.duplicate), None)
        if best is not None:
            cid, j = best
            root = self._entries[cid].root
            reason = j.reason if root == cid else f"{j.reason}（经由 {cid}）"
            return Decision(f.id, root, cid, j.score, reason)
        if judged:
            cid, j = judged[0]
            if j.score > 0:
                return Decision(f.id, None, None, j.score,
                                f"未达同一诉求标准（最接近 {cid}，得分 {j.score:.2f}：{j.reason}）")
            reasons = "；".join(dict.fromkeys(jj.reason for _, jj in judged[:3]))
            return Decision(f.id, None, None, 0.0, f"无同一地点的同一问题（{reasons}）")
        return Decision(f.id, None, None, 0.0, "窗口内无同一地点的同类诉求")

    # ----------------------------------------------------------------- writing

    def add(self, case: Case | Features, duplicate_of: str | None = None) -> None:
        """Hold ``case``; ``duplicate_of`` (or the case's own field) links it to its concern."""
        f = case if isinstance(case, Features) else features(case)
        link = duplicate_of if duplicate_of is not None else getattr(case, "duplicate_of", None)
        if f.id in self._entries:
            self.remove(f.id)
        root = (self.root_of(link) or link) if link else f.id
        keys = _index_keys(f)
        self._entries[f.id] = _Entry(f, root, keys)
        for key in keys:
            self._postings.setdefault(key, {})[f.id] = None
        for name in f.places.names:
            self._names[name.key] = self._names.get(name.key, 0) + 1
            self._name_lengths[len(name.key)] = self._name_lengths.get(len(name.key), 0) + 1
        bisect.insort(self._timeline, (f.opened_at, f.id))
        if self._newest is None or f.opened_at > self._newest:
            self._newest = f.opened_at
            self.prune(self._newest - self.window)

    def observe(self, case: Case) -> Decision:
        """Check ``case`` and hold it with the decision: what a service does for each new case."""
        f = features(case)
        decision = self.check(f)
        self.add(f, decision.duplicate_of)
        return decision

    def remove(self, case_id: str) -> None:
        entry = self._entries.pop(case_id, None)
        if entry is None:
            return
        for key in entry.keys:
            ids = self._postings.get(key)
            if ids is not None:
                ids.pop(case_id, None)
                if not ids:
                    del self._postings[key]
        for name in entry.features.places.names:
            self._names[name.key] -= 1
            if not self._names[name.key]:
                del self._names[name.key]
            self._name_lengths[len(name.key)] -= 1
            if not self._name_lengths[len(name.key)]:
                del self._name_lengths[len(name.key)]
        i = bisect.bisect_left(self._timeline, (entry.features.opened_at, case_id))
        if i < len(self._timeline) and self._timeline[i] == (entry.features.opened_at, case_id):
            del self._timeline[i]

    def prune(self, before: datetime) -> int:
        """Drop the cases opened before ``before``; how many were dropped."""
        n = bisect.bisect_left(self._timeline, (before, ""))
        for _, cid in list(self._timeline[:n]):
            self.remove(cid)
        return n

    @classmethod
    def rebuild(cls, cases: Iterable[Case], window: timedelta = WINDOW) -> DuplicateIndex:
        """An index holding ``cases`` (any order) with their stored ``duplicate_of`` links."""
        index = cls(window)
        for case in sorted(cases, key=lambda c: (c.opened_at, c.id)):
            index.add(case, case.duplicate_of)
        return index

    # ----------------------------------------------------------------- finding candidates

    def _candidate_ids(self, f: Features) -> list[str]:
        keys: list[str] = []
        slots = _kind_slots(f)
        # which kinds' postings to read: the case's own, and the cases that name no kind
        wanted = (*slots, "-") if slots != ("-",) else None
        names = {n.key for n in f.places.names} | self._mentioned_names(f.places.text_key)
        for name in sorted(names):
            if wanted is None:
                keys.extend(k for k in self._keys_for_prefix(f"n|{name}|"))
            else:
                keys.extend(f"n|{name}|{slot}" for slot in wanted)
        if f.places.has_point:
            cy, cx = _cell(f.places.lat, f.places.lng)  # type: ignore[arg-type]
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    for slot in wanted or slots:
                        keys.append(f"g|{cy + dy}|{cx + dx}|{slot}")
        found: dict[str, None] = {}
        for key in keys:
            ids = self._postings.get(key)
            if ids:
                for cid in list(ids)[-MAX_PER_KEY:]:
                    found[cid] = None
        # earlier cases that mention one of this case's names without naming it as a place
        # ("启航教育" in quotes): read the town's cases of the same kind, keep those mentioning it
        own = [n.key for n in f.places.names if n.group != P.ROAD]
        if own and wanted is not None:
            for town in sorted(f.places.towns):
                for slot in slots:
                    ids = self._postings.get(f"t|{town}|{slot}")
                    if not ids:
                        continue
                    for cid in list(ids)[-MAX_PER_KEY:]:
                        if cid not in found and any(
                            k in self._entries[cid].features.places.text_key for k in own
                        ):
                            found[cid] = None
        found.pop(f.id, None)
        # a concern with many reports: its most recent few stand for it
        per_root: dict[str, list[str]] = {}
        for cid in found:
            per_root.setdefault(self._entries[cid].root, []).append(cid)
        kept: list[str] = []
        for ids in per_root.values():
            if len(ids) > PER_CONCERN:
                ids = sorted(ids, key=lambda c: (self._entries[c].features.opened_at, c))[-PER_CONCERN:]
            kept.extend(ids)
        return kept

    def _keys_for_prefix(self, prefix: str) -> list[str]:
        # a case with no kind: read the name's postings of every kind (rare, so a scan of the
        # known kinds is fine)
        return [prefix + slot for slot in (*problems.BY_CODE, "-") if prefix + slot in self._postings]

    def _mentioned_names(self, text_key: str) -> set[str]:
        """Known place names (of cases held) that occur in ``text_key``."""
        found: set[str] = set()
        lengths = sorted(self._name_lengths)
        for i in range(len(text_key)):
            for n in lengths:
                piece = text_key[i:i + n]
                if len(piece) < n:
                    break
                if piece in self._names:
                    found.add(piece)
        return found


def decide_stream(cases: Iterable[Case], window: timedelta = WINDOW) -> list[Decision]:
    """Decisions for cases in arrival order, each against the ones before it."""
    index = DuplicateIndex(window)
    return [index.observe(case) for case in cases]
