"""The yearly check's rules (obligations.py) with the numbers of data/obligations.yaml."""

from datetime import date, datetime

from liaison.contracts.periods import parse_period
from services.archive.reports.rules.obligations import check_deputy, check_station_month, load_obligations

RULES = load_obligations()
TERM = {"code": "county-19", "start": "2022-01-01", "end": "2026-12-31"}


def deputy(level: str = "county") -> dict:
    return {"deputy_id": "李一", "name": "李一", "level": level, "group": "甲组", "term": TERM}


def e(kind: str, day: str, **data) -> dict:
    return {"kind": kind, "occurred_at": datetime.fromisoformat(f"{day}T04:00:00+00:00"),
            "data": {"date": day, "title": kind, **data}, "case_id": None, "record_id": None,
            "source_event_id": f"{kind}-{day}", "station": data.pop("station", None)}


def statuses(check) -> dict:
    return {f.code: f.status for f in check.findings}


def test_the_numbers_come_from_the_data_file():
    assert (RULES.receptions_per_year, RULES.visits_per_year, RULES.reports_per_term) == (2, 1, 1)
    assert RULES.reports_levels == ("county",)


def test_receptions_and_visits_a_year():
    entries = [e("reception", "2025-03-01"), e("reception", "2025-09-01"), e("visit", "2024-01-02")]
    check = check_deputy(deputy(), entries, 2025, RULES, date(2025, 12, 31))
    assert statuses(check)["receptions"] == "ok" and statuses(check)["visits"] == "missing"
    assert check.flags == ["走访选民：本年0次，应不少于1次，还差1次"]
    assert check_deputy(deputy(), entries, 2021, RULES, date(2025, 12, 31)) is None  # not in term


def test_reports_to_constituents_pending_then_a_reminder_then_missing():
    assert statuses(check_deputy(deputy(), [], 2024, RULES, date(2024, 6, 1)))[
        "constituent_report"] == "pending"
    last_year = check_deputy(deputy(), [], 2026, RULES, date(2026, 1, 1))
    assert statuses(last_year)["constituent_report"] == "reminder"
    assert any("任期最后一年" in flag for flag in last_year.flags)
    assert statuses(check_deputy(deputy(), [], 2026, RULES, date(2027, 1, 5)))[
        "constituent_report"] == "missing"
    done = check_deputy(deputy(), [e("constituent_report", "2023-05-01")], 2026, RULES,
                        date(2026, 1, 1))
    assert statuses(done)["constituent_report"] == "ok"
    assert "constituent_report" not in statuses(check_deputy(deputy("township"), [], 2026, RULES,
                                                             date(2026, 1, 1)))


def test_a_stations_month_its_quarter_and_its_year():
    november = parse_period("2026-11")
    quiet = check_station_month("s-a", "甲站", november, [e("reception", "2026-10-30",
                                                            station="s-a")], RULES)
    assert quiet.inactive and len(quiet.flags) == 3
    busy = check_station_month("s-a", "甲站", november, [
        {**e("reception", "2026-11-03"), "station": "s-a"},
        {**e("reception", "2026-11-03"), "station": "s-a"},  # one duty, two deputies
        e("station_focus", "2026-10-01", period="2026-Q4"),
        e("station_theme", "2026-01-01", period="2026"),
        e("station_activity", "2026-11-20", period="2026-11")], RULES)
    assert not busy.inactive and busy.flags == [] and len(busy.activities) == 2
