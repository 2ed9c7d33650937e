"""THE file for what deputies, deputy groups and stations owe each year, and how the archive is
checked against it (一年一检查; the cadence 月月有活动、季季有重点、年年有主题). The numbers are
in ``data/obligations.yaml``; the rules are here, in plain Python over archive entries.

Deputy (per year of the term):
  * receptions (进站接待) ≥ ``receptions_per_year``;
  * visits to constituents (走访选民) ≥ ``visits_per_year``;
  * reports to constituents (述职) ≥ ``reports_per_term`` in the term so far, for the levels in
    ``reports_levels``: "pending" in the term's earlier years, a **reminder** from the first day of
    its last year, **missing** once the term has ended without one.
Deputy group (代表小组): group activities ≥ ``activities_per_year``, and which members miss what.
Station, per month: at least ``activities_per_month`` activities (a recorded monthly activity or
any duty record at the station), a focus recorded for the quarter, a theme for the year; a
station without an activity in a month is flagged in that month's report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from liaison.contracts.periods import Period, local_date, quarter_of, year_of
from services.archive.deputies.rules.record_entries import DUTY_KINDS

OBLIGATIONS_PATH = Path(__file__).resolve().parents[1] / "data" / "obligations.yaml"
OK, MISSING, REMINDER, PENDING = "ok", "missing", "reminder", "pending"
FLAGGED = (MISSING, REMINDER)


@dataclass(frozen=True)
class Obligations:
    receptions_per_year: int
    visits_per_year: int
    reports_per_term: int
    reports_levels: tuple[str, ...]
    group_activities_per_year: int
    station_activities_per_month: int
    station_focus_per_quarter: int
    station_theme_per_year: int


def load_obligations(path: str | Path = OBLIGATIONS_PATH) -> Obligations:
    with open(path, encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    deputy, group, station = doc["deputy"], doc["group"], doc["station"]
    return Obligations(
        receptions_per_year=int(deputy["receptions_per_year"]),
        visits_per_year=int(deputy["visits_per_year"]),
        reports_per_term=int(deputy["reports_per_term"]),
        reports_levels=tuple(deputy.get("reports_levels") or ("county", "township")),
        group_activities_per_year=int(group["activities_per_year"]),
        station_activities_per_month=int(station["activities_per_month"]),
        station_focus_per_quarter=int(station["focus_per_quarter"]),
        station_theme_per_year=int(station["theme_per_year"]),
    )


@dataclass
class Finding:
    code: str
    label: str
    required: int
    actual: int
    status: str
    note: str = ""


@dataclass
class DeputyCheck:
    deputy_id: str
    name: str
    group: str | None
    year: int
    term: dict[str, Any]
    counts: dict[str, int]
    findings: list[Finding] = field(default_factory=list)

    @property
    def flags(self) -> list[str]:
        return [f"{f.label}：{f.note}" for f in self.findings if f.status in FLAGGED]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "flags": self.flags}


def check_deputy(deputy: Mapping[str, Any], entries: Iterable[Mapping[str, Any]], year: int,
                 rules: Obligations, as_of: date) -> DeputyCheck | None:
    """The year ``year`` of one deputy (``deputy`` as in the registry document, with
    ``deputy_id``) against the obligations; None if the year is outside the deputy's term."""
    term_start = date.fromisoformat(deputy["term"]["start"])
    term_end = date.fromisoformat(deputy["term"]["end"])
    if not term_start.year <= year <= term_end.year:
        return None
    entries = list(entries)
    counts = Counter(e["kind"] for e in entries if local_date(e["occurred_at"]).year == year)
    summary = {kind: counts.get(kind, 0) for kind in DUTY_KINDS}
    summary["cases"] = len({e["case_id"] for e in entries if e.get("case_id")
                            and local_date(e["occurred_at"]).year == year})
    summary["suggestions"] = counts.get("suggestion_filed", 0)
    summary["constituent_reports"] = counts.get("constituent_report", 0)
    check = DeputyCheck(deputy["deputy_id"], deputy["name"], deputy.get("group"), year,
                        dict(deputy["term"]), summary)
    check.findings.append(_at_least("receptions", "进站接待", rules.receptions_per_year,
                                    summary["reception"]))
    check.findings.append(_at_least("visits", "走访选民", rules.visits_per_year, summary["visit"]))
    if deputy["level"] in rules.reports_levels and rules.reports_per_term:
        year_end = min(term_end, date(year, 12, 31))
        reports = sum(1 for e in entries if e["kind"] == "constituent_report"
                      and term_start <= local_date(e["occurred_at"]) <= year_end)
        check.findings.append(_reports(rules.reports_per_term, reports, year, term_end, as_of))
    return check


def _at_least(code: str, label: str, required: int, actual: int) -> Finding:
    if actual >= required:
        return Finding(code, label, required, actual, OK)
    return Finding(code, label, required, actual, MISSING,
                   f"本年{actual}次，应不少于{required}次，还差{required - actual}次")


def _reports(required: int, actual: int, year: int, term_end: date, as_of: date) -> Finding:
    label = "向选民述职"
    if actual >= required:
        return Finding("constituent_report", label, required, actual, OK)
    if year < term_end.year:
        return Finding("constituent_report", label, required, actual, PENDING,
                       f"任期内尚未述职（{term_end.year}年任期届满前须至少述职{required}次）")
    if as_of > term_end:
        return Finding("constituent_report", label, required, actual, MISSING,
                       f"任期已于{term_end.isoformat()}届满，未向选民述职")
    return Finding("constituent_report", label, required, actual, REMINDER,
                   f"已进入任期最后一年（{term_end.year}年），尚未向选民述职，请于"
                   f"{term_end.isoformat()}前安排")


@dataclass
class GroupCheck:
    group: str
    year: int
    members: list[str]
    group_activities: int
    required_activities: int
    missing: dict[str, list[str]]  # finding label → members who miss it
    members_meeting_all: int

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.group_activities < self.required_activities:
            flags.append(f"代表小组活动：本年{self.group_activities}次，应不少于"
                         f"{self.required_activities}次")
        flags += [f"{label}：{'、'.join(names)}" for label, names in self.missing.items() if names]
        return flags

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "flags": self.flags}


def check_group(group: str, year: int, checks: Iterable[DeputyCheck],
                entries: Iterable[Mapping[str, Any]], rules: Obligations) -> GroupCheck:
    """A deputy group's year: its members' checks and the group activities any member recorded."""
    checks = list(checks)
    activities = {e["record_id"] or e["source_event_id"] for e in entries
                  if e["kind"] == "group_activity" and local_date(e["occurred_at"]).year == year}
    missing: dict[str, list[str]] = {}
    for check in checks:
        for finding in check.findings:
            if finding.status in FLAGGED:
                missing.setdefault(finding.label, []).append(check.name)
    meeting_all = sum(1 for c in checks if not any(f.status in FLAGGED for f in c.findings))
    return GroupCheck(group, year, [c.name for c in checks], len(activities),
                      rules.group_activities_per_year, missing, meeting_all)


@dataclass
class StationMonth:
    code: str
    name: str
    month: str
    activities: list[dict[str, Any]]
    focus: list[str]
    theme: list[str]
    required_activities: int
    inactive: bool  # fewer activities than the month requires: flagged in the monthly report
    flags: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_station_month(code: str, name: str, month: Period, entries: Iterable[Mapping[str, Any]],
                        rules: Obligations) -> StationMonth:
    """A station's month: its activities (recorded activities and duties at the station), the
    quarter's focus and the year's theme; flags for what is missing."""
    quarter, year = quarter_of(month.first), year_of(month.first.year)
    activities, focus, theme = [], [], []
    for e in entries:
        data = e["data"]
        if e["kind"] == "station_activity" and data.get("period") == month.label:
            activities.append({"date": data.get("date") or month.first.isoformat(),
                               "title": data["title"], "kind": "station_activity"})
        elif e["kind"] in DUTY_KINDS and e.get("station") == code and month.contains(
                e["occurred_at"]):
            activities.append({"date": data["date"], "title": data["title"], "kind": e["kind"]})
        elif e["kind"] == "station_focus" and data.get("period") == quarter.label:
            focus.append(data["title"])
        elif e["kind"] == "station_theme" and data.get("period") == year.label:
            theme.append(data["title"])
    unique = {(a["date"], a["title"]): a for a in activities}  # one duty, several deputies
    activities = sorted(unique.values(), key=lambda a: a["date"])
    flags = []
    inactive = len(activities) < rules.station_activities_per_month
    if inactive:
        flags.append(f"{month.label}无活动记录（月月有活动）")
    if len(focus) < rules.station_focus_per_quarter:
        flags.append(f"{quarter.label}未记录季度重点")
    if len(theme) < rules.station_theme_per_year:
        flags.append(f"{year.label}年未记录年度主题")
    return StationMonth(code, name, month.label, activities, focus, theme,
                        rules.station_activities_per_month, inactive, flags)
