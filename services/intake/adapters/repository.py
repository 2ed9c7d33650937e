"""Reads and writes of intake's tables, on the unit of work's session."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liaison.db.statements import insert_row
from services.intake.adapters.models import cases, rejections, tracking_sequences

_FIND_CASE = select(cases.c.tracking_number, cases.c.fingerprint).where(
    cases.c.external_id == bindparam("external_id"))
_BUMP_SEQUENCE = (update(tracking_sequences)
                  .where(tracking_sequences.c.year == bindparam("b_year"))
                  .values(last_value=tracking_sequences.c.last_value + 1)
                  .returning(tracking_sequences.c.last_value))


def find_case(session: Session, external_id: str) -> Any | None:
    return session.execute(_FIND_CASE, {"external_id": external_id}).first()


def next_sequence(session: Session, year: int) -> int:
    """The next case number of ``year``; the row lock serialises concurrent intakes."""
    bumped = session.execute(_BUMP_SEQUENCE, {"b_year": year}).scalar_one_or_none()
    if bumped is not None:
        return int(bumped)
    try:
        with session.begin_nested():
            session.execute(insert(tracking_sequences).values(year=year, last_value=1))
        return 1
    except IntegrityError:  # another intake started the year first
        return next_sequence(session, year)


def add_case(session: Session, row: dict[str, Any]) -> None:
    insert_row(session, cases, row)


def find_rejection(session: Session, body_sha256: str, source: str) -> Any | None:
    return session.execute(
        select(rejections.c.id, rejections.c.reasons).where(
            rejections.c.body_sha256 == body_sha256, rejections.c.source == source
        )
    ).first()


def add_rejection(session: Session, row: dict[str, Any]) -> int:
    return int(session.execute(insert(rejections).values(**row).returning(rejections.c.id))
               .scalar_one())


def personal_fields(session: Session, tracking_number: str) -> Any | None:
    return session.execute(select(cases.c.submitter, cases.c.title)
                           .where(cases.c.tracking_number == tracking_number)).first()


def replace_personal_fields(session: Session, tracking_number: str, **values: Any) -> None:
    session.execute(update(cases).where(cases.c.tracking_number == tracking_number)
                    .values(**values))
