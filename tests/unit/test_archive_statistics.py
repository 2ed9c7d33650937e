"""What the statistics count about a case (case_facts.py) and how the figures add up
(statistics.py), in county time."""

from datetime import UTC, datetime, timedelta

from liaison.contracts.periods import parse_period
from services.archive.cases.rules.projection import HistoryEntry
from services.archive.reports.rules.case_facts import case_facts
from services.archive.reports.rules.statistics import StationInfo, breakdown, received_in, to_csv, totals

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
AS_OF = datetime(2026, 11, 26, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def entry(kind: str, hours: float, **data) -> HistoryEntry:
    return HistoryEntry(f"e-{kind}-{hours}", kind, "LS-1", at(hours), "routing", "x", data)


def opened(hours: float = 0, town: str | None = "水泊街道") -> HistoryEntry:
    return entry("case_opened", hours, town=town, title="t")


def routed(sign_for_hours: float, hours: float = 0, code: str = "s-a") -> HistoryEntry:
    return entry("case_routed", hours, station={"code": code, "name": "甲站"},
                 deadlines={"sign_for": at(sign_for_hours).isoformat()})


def step(kind: str, hours: float, status: str, deadlines: dict | None = None, **details):
    return entry(kind, hours, status=status, station="s-a", actor={}, details=details,
                 deadlines=deadlines or {}, paused=details.pop("paused", False))


def test_accepted_on_time_resolved_satisfied():
    facts = case_facts("LS-1", [
        opened(), routed(24), step("case_accepted", 2, "accepted",
                                   {"resolution": at(100).isoformat()}),
        step("case_forwarded", 3, "forwarded", {"resolution": at(100).isoformat()},
             department="县住建局"),
        step("case_department_replied", 4, "replied", {"resolution": at(100).isoformat()},
             department="县住建局"),
        step("case_resolved", 5, "resolved"),
        step("case_return_visited", 6, "closed", satisfaction="basically_satisfied")], AS_OF)
    assert (facts.accepted_on_time, facts.resolved, facts.satisfied, facts.overdue,
            facts.reopened) == (True, True, True, False, False)
    assert facts.departments == ("县住建局",) and facts.town == "水泊街道"


def test_late_and_open_past_due_are_overdue_but_not_while_paused():
    late = case_facts("LS-1", [opened(), routed(24), step("case_accepted", 30, "accepted")], AS_OF)
    assert (late.accepted, late.accepted_on_time, late.overdue) == (True, False, True)
    waiting = case_facts("LS-1", [opened(), routed(24)], AS_OF)
    assert waiting.overdue and not waiting.accepted
    not_yet = case_facts("LS-1", [opened(), routed(24)], at(10))
    assert not not_yet.overdue
    paused = case_facts("LS-1", [opened(), routed(24),
                                 step("case_clock_paused", 5, "routed",
                                      {"sign_for": at(24).isoformat()}, paused=True)], AS_OF)
    assert not paused.overdue
    flagged = case_facts("LS-1", [opened(), routed(10_000), entry("case_overdue", 5)], AS_OF)
    assert flagged.overdue


def test_a_dissatisfied_return_visit_reopens_and_the_last_visit_counts():
    facts = case_facts("LS-1", [
        opened(), routed(24), step("case_accepted", 1, "accepted"),
        step("case_answered", 2, "resolved"),
        step("case_return_visited", 3, "reopened", satisfaction="dissatisfied"),
        step("case_answered", 4, "resolved"),
        step("case_return_visited", 5, "closed", satisfaction="satisfied")], AS_OF)
    assert (facts.reopened, facts.satisfied, facts.return_visited) == (True, True, True)


def test_months_are_county_months_and_merged_cases_are_left_out():
    november = parse_period("2026-11")
    first_minute = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 1 November 00:00 in Liangshan
    early = case_facts("A", [HistoryEntry("e", "case_opened", "A", first_minute, "intake", "x",
                                          {"town": None})], AS_OF)
    before = case_facts("B", [HistoryEntry("e", "case_opened", "B",
                                           first_minute - timedelta(seconds=1), "intake", "x",
                                           {"town": None})], AS_OF)
    merged = case_facts("C", [opened(), routed(24), step("case_merged", 1, "merged", into="A")],
                        AS_OF)
    assert [c.case_id for c in received_in([early, before, merged], november)] == ["A"]
    assert parse_period("2026-Q4").months()[0].label == "2026-10"
    assert [p.label for p in parse_period("2026").months()][-1] == "2026-12"


def test_breakdowns_and_csv():
    a = case_facts("A", [opened(), routed(24), step("case_accepted", 1, "accepted"),
                         step("case_answered", 2, "resolved")], AS_OF)
    b = case_facts("B", [opened(town=None), routed(24, code="s-b")], AS_OF)
    stations = {"s-a": StationInfo("s-a", "甲站", "水泊街道", "议政代表"),
                "s-b": StationInfo("s-b", "乙站", None, "稀土行业")}
    deputies = {"A": ["李一", "王二"], "B": ["李一"]}
    assert totals([a, b]).as_dict()["response_rate"] == 0.5
    by_deputy = breakdown([a, b], "deputy", stations, deputies)
    assert {k: (f.received, f.resolved) for k, f in by_deputy.items()} == {
        "李一": (2, 1), "王二": (1, 1)}
    assert list(breakdown([a, b], "town", stations, deputies)) == ["水泊街道", "（未注明镇街）"]
    assert list(breakdown([a, b], "specialty", stations, deputies)) == ["稀土行业", "议政代表"]
    assert breakdown([a, b], "department", stations, deputies) == {}
    text = to_csv(breakdown([a, b], "station", stations, deputies), "station")
    assert text.splitlines()[0].startswith("station,received,accepted_on_time,resolved")
    assert "乙站,1,0,0,0,0,1,0,0.0,0.0," in text


def test_the_town_is_routings_reading_of_it_when_there_is_one():
    routed_in_town = entry("case_routed", 0, station={"code": "s-a", "name": "甲站"},
                           town="水泊街道", deadlines={})
    assert case_facts("LS-1", [opened(town="水泊"), routed_in_town], AS_OF).town == "水泊街道"
    assert case_facts("LS-1", [opened(town="水泊"), routed(24)], AS_OF).town == "水泊"
