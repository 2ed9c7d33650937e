"""Routing's fourth use case: order the erasure of personal data past its retention
(``rules/retention.py`` says when)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from liaison.contracts.events import new_event
from liaison.db.uow import UnitOfWork
from services.routing.adapters import repository
from services.routing.rules.retention import ENDED, erasure_cutoff

log = logging.getLogger(__name__)


def anonymize_expired(uow_factory: Callable[[], UnitOfWork], now: datetime, days: int,
                      batch: int = 200) -> int:
    """Order the erasure of every case past its retention; each case once, whichever routing
    instance gets there first. Returns how many this call ordered."""
    with uow_factory() as uow:
        due = repository.expired_cases(uow.session, ENDED, erasure_cutoff(now, days), batch)
    ordered = 0
    for case_id, closed_at in due:
        with uow_factory() as uow:
            if not repository.mark_anonymized(uow.session, case_id, now):
                continue
            uow.publish(new_event("case_anonymized", case_id,
                                  {"closed_at": closed_at, "retention_days": days},
                                  actor="routing:retention", occurred_at=now))
            uow.commit()
        ordered += 1
    if ordered:
        log.info("retention: %d case(s) ordered anonymised", ordered)
    return ordered
