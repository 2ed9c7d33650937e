"""Retention of personal data: THE file for how long a submitter's name, phone and words are kept.

A case closed (or merged into another) more than ``RETENTION_DAYS`` days ago is anonymised: routing
publishes ``case_anonymized`` once per case, and intake, archive and notify each erase the
submitter's personal data from their own copies. What statistics and deputies' archives need
(station, status, dates, category, the steps taken and by whom) stays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update

from liaison.db.uow import UnitOfWork
from liaison.events import new_event
from services.routing.lifecycle import CLOSED, MERGED
from services.routing.models import cases

log = logging.getLogger(__name__)

ENDED = (CLOSED, MERGED)
DEFAULT_RETENTION_DAYS = 3 * 365


def anonymize_expired(uow_factory: Callable[[], UnitOfWork], now: datetime, days: int,
                      batch: int = 200) -> int:
    """Order the erasure of every case past its retention; each case once, whichever routing
    instance gets there first. Returns how many this call ordered."""
    cutoff = now - timedelta(days=days)
    with uow_factory() as uow:
        due = uow.session.execute(
            select(cases.c.case_id, cases.c.updated_at)
            .where(cases.c.status.in_(ENDED), cases.c.updated_at < cutoff,
                   cases.c.anonymized_at.is_(None))
            .order_by(cases.c.updated_at).limit(batch)).all()
    ordered = 0
    for case_id, closed_at in due:
        with uow_factory() as uow:
            taken = uow.session.execute(
                update(cases).where(cases.c.case_id == case_id, cases.c.anonymized_at.is_(None))
                .values(anonymized_at=now)).rowcount
            if taken != 1:
                continue
            uow.publish(new_event("case_anonymized", case_id,
                                  {"closed_at": closed_at, "retention_days": days},
                                  actor="routing:retention", occurred_at=now))
            uow.commit()
        ordered += 1
    if ordered:
        log.info("retention: %d case(s) ordered anonymised", ordered)
    return ordered
