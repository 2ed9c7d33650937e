"""Routing's operator commands (``liaison staff …``): they run against routing's own database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from liaison.config import database_url, load_config
from liaison.db.engine import make_engine
from liaison.timeutil import utcnow
from services.routing import staff
from services.routing.registry import default_registry


@contextmanager
def routing_session() -> Iterator[Session]:
    engine = make_engine(database_url(load_config(), "routing"), pool_size=1)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def add_staff(name: str, role: str, station: str | None) -> tuple[staff.StaffMember, str]:
    with routing_session() as session:
        member, token = staff.create(session, name, role, station, utcnow(),
                                     default_registry().codes)
        session.commit()
    return member, token


def revoke_staff(staff_id: int) -> bool:
    with routing_session() as session:
        done = staff.revoke(session, staff_id, utcnow())
        session.commit()
    return done


def list_staff() -> list[dict]:
    with routing_session() as session:
        return staff.members(session)
