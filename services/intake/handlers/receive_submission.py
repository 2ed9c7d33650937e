"""Intake's use case: a submission arrives (AMQP or HTTP) and becomes a case or a recorded rejection."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from liaison.contracts.county_time import utcnow
from liaison.contracts.events import new_event
from liaison.contracts.submission import MAX_BODY_BYTES
from liaison.db.uow import UnitOfWork
from services.intake.adapters import repository
from services.intake.rules import submission as domain

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    status: str  # "accepted" | "duplicate" | "rejected"
    tracking_number: str | None = None
    external_id: str | None = None
    reasons: dict[str, Any] | None = None
    rejection_id: int | None = None
    conflict: bool = False  # a duplicate external_id whose content differs from the first

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, False)}


def receive_submission(
    uow: UnitOfWork,
    body: bytes,
    source: str,
    content_type: str | None = None,
    now: datetime | None = None,
) -> Outcome:
    now = now or utcnow()
    try:
        submission = domain.parse_submission(body, content_type)
    except domain.SubmissionRejected as rejected:
        return _record_rejection(uow, body, source, content_type, rejected, now)
    for _ in range(3):
        try:
            return _open_case(uow, submission, source, now)
        except IntegrityError:
            log.info("submission %s raced another intake; reading again", submission.external_id)
    raise RuntimeError(f"could not open a case for {submission.external_id}")


def _open_case(uow: UnitOfWork, submission: domain.Submission, source: str, now: datetime) -> Outcome:
    fields = submission.fields
    with uow:
        existing = repository.find_case(uow.session, submission.external_id)
        if existing is not None:
            return Outcome(
                "duplicate",
                tracking_number=existing.tracking_number,
                external_id=submission.external_id,
                conflict=existing.fingerprint != submission.fingerprint,
            )
        sequence = repository.next_sequence(uow.session, domain.tracking_year(now))
        tracking = domain.tracking_number(now, sequence)
        row = {
            "tracking_number": tracking,
            "external_id": fields["external_id"],
            "fingerprint": submission.fingerprint,
            "channel": fields["channel"],
            "submitter": fields["submitter"],
            "town": fields.get("town"),
            "title": fields["title"],
            "content": fields["content"],
            "category": fields.get("category"),
            "location": fields.get("location"),
            "attachments": fields.get("attachments") or [],
            "submitted_at": fields["submitted_at"],
            "received_at": now,
            "source": source,
        }
        repository.add_case(uow.session, row)
        data = {k: v for k, v in row.items() if k not in ("fingerprint",)}
        uow.publish(
            new_event("case_opened", tracking, data, actor=domain.actor_of(fields), occurred_at=now)
        )
        uow.commit()
    log.info("case %s opened from %s (%s)", tracking, submission.external_id, source,
             extra={"case_id": tracking})
    return Outcome("accepted", tracking_number=tracking, external_id=submission.external_id)


def _record_rejection(
    uow: UnitOfWork,
    body: bytes,
    source: str,
    content_type: str | None,
    rejected: domain.SubmissionRejected,
    now: datetime,
) -> Outcome:
    digest = domain.body_sha256(body)
    with uow:
        existing = repository.find_rejection(uow.session, digest, source)
        if existing is not None:  # the same bad body again: same answer, no second record
            return Outcome("rejected", reasons=existing.reasons, rejection_id=existing.id,
                           external_id=rejected.external_id)
        rejection_id = repository.add_rejection(
            uow.session,
            {
                "body_sha256": digest,
                "source": source,
                "external_id": rejected.external_id,
                "content_type": (content_type or "")[:200] or None,
                # An oversized body is kept only up to the limit (its digest covers all of it):
                # a 100 MB message must not become a 100 MB row.
                "raw_body": body[:MAX_BODY_BYTES],
                "reasons": rejected.reasons,
                "received_at": now,
            },
        )
        uow.publish(
            new_event(
                "submission_rejected",
                None,
                {
                    "rejection_id": rejection_id,
                    "external_id": rejected.external_id,
                    "source": source,
                    "reasons": rejected.reasons,
                    "body_sha256": digest,
                    "received_at": now,
                },
                actor="intake",
                occurred_at=now,
            )
        )
        uow.commit()
    log.info("submission rejected (#%d, %s): %s", rejection_id, source, rejected)
    return Outcome("rejected", reasons=rejected.reasons, rejection_id=rejection_id,
                   external_id=rejected.external_id)
