"""Reads and writes of routing's case tables, on the unit of work's session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from liaison.db.statements import insert_row
from services.routing.models import assignments, cases, deadlines
from services.routing.time_limits import Limits, WorkingCalendar, deadline, extend, warning_for

_CASE_FOR_UPDATE = select(cases).where(cases.c.case_id == bindparam("case_id")).with_for_update()
_OPEN_DEADLINES = select(deadlines).where(
    deadlines.c.case_id == bindparam("case_id"), deadlines.c.completed_at.is_(None)
).order_by(deadlines.c.id)


def case_for_update(session: Session, case_id: str) -> Any | None:
    return session.execute(_CASE_FOR_UPDATE, {"case_id": case_id}).first()


def add_case(session: Session, row: dict[str, Any]) -> None:
    insert_row(session, cases, row)


def update_case(session: Session, case_id: str, **values: Any) -> None:
    session.execute(update(cases).where(cases.c.case_id == case_id).values(**values))


def add_assignment(session: Session, case_id: str, station: str, rule: str, reason: str,
                   actor: str, at: datetime) -> None:
    insert_row(session, assignments, {"case_id": case_id, "station": station, "rule": rule,
                                      "reason": reason, "actor": actor, "assigned_at": at})


def start_phase(session: Session, case_id: str, phase: str, station: str, now: datetime,
                limits: Limits, cal: WorkingCalendar) -> None:
    clock = deadline(phase, now, limits, cal)
    insert_row(session, deadlines, {
        "case_id": case_id, "phase": phase, "station": station, "started_at": now,
        "warn_at": clock.warn_at, "due_at": clock.due_at, "stage": 0})


def end_phases(session: Session, case_id: str, phases: tuple[str, ...], now: datetime) -> None:
    if phases:
        session.execute(update(deadlines).where(
            deadlines.c.case_id == case_id, deadlines.c.phase.in_(phases),
            deadlines.c.completed_at.is_(None)).values(completed_at=now))


def open_deadlines(session: Session, case_id: str) -> list[Any]:
    return list(session.execute(_OPEN_DEADLINES, {"case_id": case_id}).all())


def shift_open_deadlines(session: Session, case_id: str, working_days: int, warn_before: int,
                         cal: WorkingCalendar, now: datetime) -> None:
    """Move every open clock of the case by ``working_days`` (a pause, an extension). A clock
    moved back before its due time starts its ladder again; one still overdue keeps its stage."""
    if working_days <= 0:
        return
    for row in open_deadlines(session, case_id):
        due = extend(row.due_at, working_days, cal)
        session.execute(update(deadlines).where(deadlines.c.id == row.id).values(
            due_at=due, warn_at=warning_for(due, warn_before, cal),
            stage=0 if due > now else row.stage))


def deadline_summary(session: Session, case_id: str) -> dict[str, str]:
    return {row.phase: row.due_at.isoformat() for row in open_deadlines(session, case_id)}
