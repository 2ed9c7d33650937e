"""Months, quarters and years in county time (UTC+8): ``2026-11``, ``2026-Q4``, ``2026``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from liaison.contracts.county_time import LOCAL_TZ

_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")


@dataclass(frozen=True)
class Period:
    """A half-open span of local days ``[first, after)`` with its label."""

    label: str
    kind: str  # "month" | "quarter" | "year"
    first: date
    after: date

    @property
    def start(self) -> datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> datetime:
        return local_midnight(self.after)

    def contains(self, moment: datetime | date) -> bool:
        day = local_date(moment)
        return self.first <= day < self.after

    def months(self) -> list[Period]:
        found, day = [], self.first
        while day < self.after:
            found.append(month(day.year, day.month))
            day = found[-1].after
        return found


def parse_period(text: str) -> Period:
    match = _PERIOD.match(text.strip())
    if not match:
        raise ValueError(f"not a period: {text!r} (2026, 2026-Q4 or 2026-11)")
    year = int(match.group(1))
    if match.group(2):
        return quarter(year, int(match.group(2)))
    if match.group(3):
        return month(year, int(match.group(3)))
    return Period(str(year), "year", date(year, 1, 1), date(year + 1, 1, 1))


def month(year: int, number: int) -> Period:
    after = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return Period(f"{year}-{number:02d}", "month", date(year, number, 1), after)


def quarter(year: int, number: int) -> Period:
    first = date(year, 3 * number - 2, 1)
    after = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return Period(f"{year}-Q{number}", "quarter", first, after)


def year_of(year: int) -> Period:
    return parse_period(str(year))


def quarter_of(day: date) -> Period:
    return quarter(day.year, (day.month - 1) // 3 + 1)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TZ)


def local_date(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return moment.astimezone(LOCAL_TZ).date()
    return moment


def last_day(period: Period) -> date:
    return period.after - timedelta(days=1)
