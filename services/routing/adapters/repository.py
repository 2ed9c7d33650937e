"""Reads and writes of routing's case tables, on the unit of work's session: every SQL statement
routing runs is here (the rules that decide what to write are in ``rules/``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from liaison.db.statements import insert_row
from services.routing.adapters.models import assignments, cases, deadlines, decisions
from services.routing.rules.time_limits import Deadline

_CASE_FOR_UPDATE = select(cases).where(cases.c.case_id == bindparam("case_id")).with_for_update()
_OPEN_DEADLINES = select(deadlines).where(
    deadlines.c.case_id == bindparam("case_id"), deadlines.c.completed_at.is_(None)
).order_by(deadlines.c.id)


def case_for_update(session: Session, case_id: str) -> Any | None:
    return session.execute(_CASE_FOR_UPDATE, {"case_id": case_id}).first()


def add_decision(session: Session, row: dict[str, Any]) -> None:
    insert_row(session, decisions, row)


def add_case(session: Session, row: dict[str, Any]) -> None:
    insert_row(session, cases, row)


def update_case(session: Session, case_id: str, **values: Any) -> None:
    session.execute(update(cases).where(cases.c.case_id == case_id).values(**values))


def add_assignment(session: Session, case_id: str, station: str, rule: str, reason: str,
                   actor: str, at: datetime) -> None:
    insert_row(session, assignments, {"case_id": case_id, "station": station, "rule": rule,
                                      "reason": reason, "actor": actor, "assigned_at": at})


def add_deadline(session: Session, case_id: str, station: str, started_at: datetime,
                 clock: Deadline) -> None:
    insert_row(session, deadlines, {
        "case_id": case_id, "phase": clock.phase, "station": station, "started_at": started_at,
        "warn_at": clock.warn_at, "due_at": clock.due_at, "stage": 0})


def end_phases(session: Session, case_id: str, phases: tuple[str, ...], now: datetime) -> None:
    if phases:
        session.execute(update(deadlines).where(
            deadlines.c.case_id == case_id, deadlines.c.phase.in_(phases),
            deadlines.c.completed_at.is_(None)).values(completed_at=now))


def open_deadlines(session: Session, case_id: str) -> list[Any]:
    return list(session.execute(_OPEN_DEADLINES, {"case_id": case_id}).all())


def move_deadline(session: Session, deadline_id: int, clock: Deadline, stage: int) -> None:
    session.execute(update(deadlines).where(deadlines.c.id == deadline_id).values(
        due_at=clock.due_at, warn_at=clock.warn_at, stage=stage))


def due_steps(session: Session, now: datetime, final_stage: int, open_statuses: list[str],
              limit: int) -> list[Any]:
    """Open clocks past their warning time whose ladder is not finished, of open, running cases."""
    return list(session.execute(
        select(deadlines, cases.c.status)
        .join(cases, cases.c.case_id == deadlines.c.case_id)
        .where(deadlines.c.completed_at.is_(None), deadlines.c.warn_at <= now,
               deadlines.c.stage < final_stage,
               cases.c.paused_at.is_(None), cases.c.status.in_(open_statuses))
        .order_by(deadlines.c.due_at).limit(limit)).all())


def take_step(session: Session, deadline_id: int, seen_stage: int, new_stage: int) -> bool:
    """Compare-and-set on the clock's stage: True for the one instance that moved it."""
    return session.execute(
        update(deadlines)
        .where(deadlines.c.id == deadline_id, deadlines.c.stage == seen_stage,
               deadlines.c.completed_at.is_(None))
        .values(stage=new_stage)).rowcount == 1


def expired_cases(session: Session, ended_statuses: tuple[str, ...], cutoff: datetime,
                  limit: int) -> list[Any]:
    """Ended cases last changed before ``cutoff`` whose personal data is not yet erased."""
    return list(session.execute(
        select(cases.c.case_id, cases.c.updated_at)
        .where(cases.c.status.in_(ended_statuses), cases.c.updated_at < cutoff,
               cases.c.anonymized_at.is_(None))
        .order_by(cases.c.updated_at).limit(limit)).all())


def mark_anonymized(session: Session, case_id: str, now: datetime) -> bool:
    """True for the one instance that orders this case's erasure."""
    return session.execute(
        update(cases).where(cases.c.case_id == case_id, cases.c.anonymized_at.is_(None))
        .values(anonymized_at=now)).rowcount == 1
