"""Routing's third use case: the clock. Yellow before a due time, red after it, then up the ladder.

Safe with several routing instances: each step is a compare-and-set on the clock's ``stage``
(``UPDATE … WHERE stage = <seen>``) in the same transaction as the step's event, so whichever
instance gets there first takes the step and the others find nothing to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from liaison.contracts.events import new_event
from liaison.db.uow import UnitOfWork
from services.routing.adapters import repository
from services.routing.rules.lifecycle import OPEN
from services.routing.rules.rulebook import Rules
from services.routing.rules.time_limits import final_stage, next_step

log = logging.getLogger(__name__)

EVENT_FOR_STEP = {"warning": "case_deadline_warning", "reminder": "case_overdue"}


def check_deadlines(uow_factory: Callable[[], UnitOfWork], rules: Rules, batch: int = 500) -> int:
    """Take every step that is due now; returns how many were taken (by this instance)."""
    now = rules.now()
    with uow_factory() as uow:
        rows = repository.due_steps(uow.session, now, final_stage(rules.limits.ladder),
                                    sorted(OPEN), batch)
    taken = 0
    for row in rows:
        step = next_step(row.stage, now, row.warn_at, row.due_at, rules.limits.ladder,
                         rules.calendar)
        if step is None:
            continue
        with uow_factory() as uow:
            if not repository.take_step(uow.session, row.id, row.stage, step.stage):
                continue  # another instance took it, or the phase just ended
            uow.publish(new_event(EVENT_FOR_STEP.get(step.step, "case_escalated"), row.case_id, {
                "phase": row.phase, "step": step.step, "level": step.level,
                "due_at": row.due_at, "station": row.station, "status": row.status,
            }, actor="routing:clock", occurred_at=now))
            uow.commit()
        taken += 1
        log.info("case %s: %s %s (%s)", row.case_id, row.phase, step.step, step.level,
                 extra={"case_id": row.case_id})
    return taken
