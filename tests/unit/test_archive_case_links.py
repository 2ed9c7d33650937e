"""Which case events enter which deputy's archive (case_links.py)."""

import random
from datetime import UTC, datetime, timedelta

from services.archive.cases.rules.projection import HistoryEntry
from services.archive.deputies.rules.case_links import Roster, RosterEntry, links

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
ROSTER = Roster([RosterEntry("李一", "李一", ("s-a",)), RosterEntry("王二", "王二", ("s-a",)),
                 RosterEntry("zhang-a", "张三", ("s-a",)), RosterEntry("zhang-b", "张三", ("s-b",)),
                 RosterEntry("赵四", "赵四", ("s-b",))])


def ev(n: int, kind: str, **data) -> HistoryEntry:
    return HistoryEntry(f"e{n}", kind, "LS-1", T0 + timedelta(hours=n), "routing", "x", data)


def step(n: int, kind: str, actor: dict, station: str = "s-a", **details) -> HistoryEntry:
    return ev(n, kind, action=kind, status="x", station=station, actor=actor, details=details)


HISTORY = [
    ev(0, "case_opened", title="路灯不亮，电话13812345678", submitter={"name": "王小明"}),
    ev(1, "case_routed", station={"code": "s-b", "name": "乙站"},
       deputies=[{"name": "赵四"}, {"name": "张三"}]),
    step(2, "case_declined", {"name": "赵四", "role": "deputy", "station": "s-b"}, "s-b",
         reason="不属本站"),
    ev(3, "case_routed", station={"code": "s-a", "name": "甲站"}, deputies=[{"name": "张三"}]),
    step(4, "case_accepted", {"name": "李一", "role": "deputy", "station": "s-a"}),
    step(5, "case_deliberation_scheduled", {"name": "张丽", "role": "staff", "station": "s-a"},
         participants=["王二", "李一", "某居民"], topic="t", meeting_date="2026-11-10"),
    step(6, "case_return_visited", {"name": "张丽", "role": "staff", "station": "s-a"},
         satisfaction="satisfied"),
]


def linked(history) -> set[tuple[str, str, tuple]]:
    return {(e.deputy_id, e.kind, tuple(e.data["roles"])) for e in links(history, ROSTER)}


def test_deputies_on_duty_acting_deliberating_and_the_return_visit():
    assert linked(HISTORY) == {
        ("赵四", "case_on_duty", ("on_duty",)), ("zhang-b", "case_on_duty", ("on_duty",)),
        ("赵四", "case_declined", ("actor",)), ("zhang-a", "case_on_duty", ("on_duty",)),
        ("李一", "case_accepted", ("actor",)),
        ("王二", "case_deliberation_scheduled", ("participant",)),
        ("李一", "case_deliberation_scheduled", ("participant",)),
        # the return visit: only the deputies of the station that handled it
        ("zhang-a", "case_return_visited", ("handled",)),
        ("李一", "case_return_visited", ("handled",)), ("王二", "case_return_visited", ("handled",))}


def test_the_same_entries_whatever_order_the_events_come_in():
    shuffled = HISTORY[:]
    random.Random(4).shuffle(shuffled)
    assert linked(shuffled) == linked(HISTORY)
    assert linked(HISTORY[3:]) <= linked(HISTORY)


def test_no_personal_data_of_the_submitter_enters_a_deputys_archive():
    text = repr([e.data for e in links(HISTORY, ROSTER)])
    assert "13812345678" not in text and "王小明" not in text and "138****5678" in text
