"""Everything routing decides with, loaded once: the station registry, the working calendar, the
time limits, the retention period, and the clock (which tests and drills may move with
``CLOCK_OFFSET_SECONDS``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from liaison.contracts.county_time import utcnow
from services.routing.rules.registry import StationRegistry, default_registry, load_registry
from services.routing.rules.retention import DEFAULT_RETENTION_DAYS
from services.routing.rules.time_limits import (
    TimeLimits,
    WorkingCalendar,
    default_calendar,
    default_time_limits,
)


@dataclass(frozen=True)
class Rules:
    registry: StationRegistry
    calendar: WorkingCalendar
    limits: TimeLimits
    clock: Callable[[], datetime] = field(default=utcnow)
    retention_days: int = DEFAULT_RETENTION_DAYS

    def now(self) -> datetime:
        return self.clock()


def load_rules(stations_file: str | None = None, clock_offset_seconds: float = 0.0,
               retention_days: int = DEFAULT_RETENTION_DAYS) -> Rules:
    registry = load_registry(stations_file) if stations_file else default_registry()
    offset = timedelta(seconds=clock_offset_seconds)
    clock = (lambda: utcnow() + offset) if offset else utcnow
    return Rules(registry, default_calendar(), default_time_limits(), clock, retention_days)
