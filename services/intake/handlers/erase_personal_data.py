"""Intake's second use case: ``case_anonymized`` (the retention period is over): erase the
submitter's personal data from intake's copy of the case."""

from __future__ import annotations

import logging

from liaison.contracts.events import Event
from liaison.contracts.retention import ERASED, erased_submitter, erased_title
from liaison.db.uow import UnitOfWork
from services.intake.adapters import repository

log = logging.getLogger(__name__)


def anonymize(uow: UnitOfWork, event: Event) -> bool:
    """True when intake held the case (and has now erased it)."""
    with uow:
        if not uow.claim(event.event_id, "anonymize"):
            return False
        row = repository.personal_fields(uow.session, event.case_id)
        if row is not None:
            repository.replace_personal_fields(
                uow.session, event.case_id, submitter=erased_submitter(row.submitter),
                title=erased_title(row.title), content=ERASED, location=None, attachments=[])
        uow.commit()
    log.info("case %s: personal data erased", event.case_id, extra={"case_id": event.case_id})
    return row is not None
