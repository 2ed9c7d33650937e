"""Time limits of a case: THE file for working days, due times, warnings and the escalation ladder.

The numbers are data (``data/time_limits.yaml``, ``data/calendar.yaml``); the rules are here:

* A phase's due time is the end (24:00 Beijing time) of the Nth working day after the day the
  phase started; the yellow warning starts ``warn_before`` working days before it (1: at the start
  of the last working day).
* Working days follow the official calendar: weekends and public holidays off, make-up working
  days (调休) on.
* While the case waits on the submitter the clock stops: on resuming, every open due time moves by
  the working days the pause covered. An approved extension moves the current phase's due time.
* Overdue climbs the ladder one step at a time (reminder → 督办 → report), each step a fixed
  number of working days past the due time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from liaison.contracts.county_time import LOCAL_TZ
from liaison.contracts.vocabulary import PHASES

DATA = Path(__file__).resolve().parents[1] / "data"



class CalendarError(ValueError):
    """The calendar has no data for a date it is asked about."""


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: dict[date, str]
    workdays: frozenset[date]
    years: frozenset[int]
    provisional_years: frozenset[int]

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.years:
            raise CalendarError(f"the calendar has no data for {day.year}; add it to calendar.yaml")
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
        day = start
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def subtract_working_days(self, end: date, days: int) -> date:
        day = end
        remaining = days
        while remaining > 0:
            day -= timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in [start, end)."""
        count, day = 0, start
        while day < end:
            if self.is_working_day(day):
                count += 1
            day += timedelta(days=1)
        return count


@dataclass(frozen=True)
class Limits:
    sign_for: int
    first_response: int
    resolution: int
    warn_before: int

    def of(self, phase: str) -> int:
        return int(getattr(self, phase))


@dataclass(frozen=True)
class LadderStep:
    step: str
    after: int  # working days past the due time


@dataclass(frozen=True)
class TimeLimits:
    default: Limits
    categories: dict[str, Limits]
    ladder: tuple[LadderStep, ...]

    def for_category(self, category: str | None) -> Limits:
        return self.categories.get(category or "", self.default)


@dataclass(frozen=True)
class Deadline:
    """One phase's clock: when the warning starts and when it is due (both aware, UTC-safe)."""

    phase: str
    warn_at: datetime
    due_at: datetime


def end_of_day(day: date) -> datetime:
    """24:00 Beijing time of ``day`` (= 00:00 of the next day)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def deadline(phase: str, started_at: datetime, limits: Limits, cal: WorkingCalendar) -> Deadline:
    start_day = started_at.astimezone(LOCAL_TZ).date()
    due_day = cal.add_working_days(start_day, limits.of(phase))
    warn_day = max(cal.subtract_working_days(due_day, max(limits.warn_before - 1, 0)), start_day)
    return Deadline(phase, start_of_day(warn_day), end_of_day(due_day))


def extend(due_at: datetime, working_days: int, cal: WorkingCalendar) -> datetime:
    """Move a due time by ``working_days`` (an extension, or the length of a pause)."""
    due_day = (due_at - timedelta(seconds=1)).astimezone(LOCAL_TZ).date()
    return end_of_day(cal.add_working_days(due_day, working_days))


def warning_for(due_at: datetime, warn_before: int, cal: WorkingCalendar) -> datetime:
    """The start of the yellow period: ``warn_before`` working days before the due time, i.e. the
    start of the last ``warn_before`` working days."""
    due_day = (due_at - timedelta(seconds=1)).astimezone(LOCAL_TZ).date()
    return start_of_day(cal.subtract_working_days(due_day, max(warn_before - 1, 0)))


def moved(clock: Deadline, working_days: int, warn_before: int, cal: WorkingCalendar) -> Deadline:
    """The clock moved by ``working_days`` (a pause's length, an extension)."""
    due = extend(clock.due_at, working_days, cal)
    return Deadline(clock.phase, warning_for(due, warn_before, cal), due)


def stage_after_move(due_at: datetime, now: datetime, stage: int) -> int:
    """A clock moved back before its due time starts its ladder again; one still overdue keeps
    the steps it has taken."""
    return 0 if due_at > now else stage


def paused_working_days(paused_at: datetime, resumed_at: datetime, cal: WorkingCalendar) -> int:
    """Working days a pause covered: every working day from the pause's day to the day before the
    resume (a pause within one day moves nothing)."""
    return cal.working_days_between(paused_at.astimezone(LOCAL_TZ).date(),
                                    resumed_at.astimezone(LOCAL_TZ).date())


def ladder_time(due_at: datetime, step: LadderStep, cal: WorkingCalendar) -> datetime:
    """When an overdue case reaches ``step``."""
    return due_at if step.after == 0 else extend(due_at, step.after, cal)


# --- loading the data ---------------------------------------------------------------------


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def load_calendar(path: Path | str | None = None) -> WorkingCalendar:
    with open(path or DATA / "calendar.yaml", encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    holidays: dict[date, str] = {}
    workdays: set[date] = set()
    years, provisional = set(), set()
    for year, spec in doc["years"].items():
        years.add(int(year))
        if spec.get("provisional"):
            provisional.add(int(year))
        for block in spec.get("holidays", []):
            day, last = _date(block["from"]), _date(block["to"])
            while day <= last:
                holidays[day] = block["name"]
                day += timedelta(days=1)
        workdays.update(_date(d) for d in spec.get("workdays", []))
    clash = workdays & set(holidays)
    if clash:
        raise CalendarError(f"days both holiday and working day: {sorted(clash)}")
    return WorkingCalendar(holidays, frozenset(workdays), frozenset(years), frozenset(provisional))


def load_time_limits(path: Path | str | None = None) -> TimeLimits:
    with open(path or DATA / "time_limits.yaml", encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    default = Limits(**{k: int(doc["default"][k]) for k in (*PHASES, "warn_before")})
    categories = {
        name: Limits(**{k: int(spec.get(k, getattr(default, k)))
                        for k in (*PHASES, "warn_before")})
        for name, spec in (doc.get("categories") or {}).items()
    }
    ladder = tuple(LadderStep(s["step"], int(s["after"])) for s in doc["ladder"])
    return TimeLimits(default, categories, ladder)


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    return load_calendar()


@lru_cache(maxsize=1)
def default_time_limits() -> TimeLimits:
    return load_time_limits()


# --- the ladder, step by step -------------------------------------------------------------

ON_TIME, WARNED = 0, 1  # stages 2.. are the ladder's steps: 2 = ladder[0], 3 = ladder[1], …


@dataclass(frozen=True)
class Step:
    stage: int  # the stage the clock reaches with this step
    step: str  # "warning" or a ladder step ("reminder", "supervise", "report")
    level: str  # "yellow" | "red"


def next_step(stage: int, now: datetime, warn_at: datetime, due_at: datetime,
              ladder: tuple[LadderStep, ...], cal: WorkingCalendar) -> Step | None:
    """The one step a clock at ``stage`` takes at ``now``, if any. A clock already past its due
    time skips the yellow warning; overdue climbs one rung per step, never several at once."""
    if stage < 2:
        if now >= due_at:
            return Step(2, ladder[0].step, "red")
        if stage == ON_TIME and now >= warn_at:
            return Step(WARNED, "warning", "yellow")
        return None
    rung = stage - 1  # index of the next ladder step
    if rung < len(ladder) and now >= ladder_time(due_at, ladder[rung], cal):
        return Step(stage + 1, ladder[rung].step, "red")
    return None


def final_stage(ladder: tuple[LadderStep, ...]) -> int:
    return 1 + len(ladder)
