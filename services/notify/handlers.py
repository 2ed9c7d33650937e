"""Notify's use cases: remember a new case, plan the notifications of a routed case, deliver them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update

from liaison.db.uow import UnitOfWork
from liaison.db.upsert import insert_ignore
from liaison.events import Event, new_event
from liaison.service_kit.failures import TransientError
from liaison.timeutil import utcnow
from services.notify import domain
from services.notify.channels import Channel, DeliveryError, OutgoingMessage
from services.notify.models import cases, notifications

log = logging.getLogger(__name__)


def remember_case(uow: UnitOfWork, event: Event) -> None:
    """``case_opened``: keep the contact and the text; nothing is sent until the case is routed."""
    data = event.data
    submitter = data["submitter"]
    with uow:
        if not uow.claim(event.event_id, "remember_case"):
            return
        anonymous = bool(submitter.get("anonymous"))
        insert_ignore(uow.session, cases, {
            "case_id": event.case_id,
            "title": data["title"],
            "channel": data["channel"],
            "town": data.get("town"),
            "content": data["content"],
            "anonymous": anonymous,
            "name": None if anonymous else submitter.get("name"),
            "phone": None if anonymous else submitter.get("phone"),
            "email": None if anonymous else submitter.get("email"),
            "submitter_type": submitter.get("type"),
            "recorded_at": utcnow(),
        })
        uow.commit()


def plan_notifications(uow: UnitOfWork, event: Event) -> list[int]:
    """``case_routed``: write the receipt and the assignment notice as pending notifications."""
    with uow:
        if uow.already_processed(event.event_id, "plan_notifications"):
            return []
        case = uow.session.execute(select(cases).where(cases.c.case_id == event.case_id)).first()
        if case is None:
            # case_opened travels on another path and has not arrived yet: try again shortly.
            raise TransientError(f"case {event.case_id} routed before it was seen opened")
        if not uow.claim(event.event_id, "plan_notifications"):
            return []
        contact = domain.Contact(case.anonymous, case.name, case.phone, case.email,
                                 case.submitter_type)
        brief = {"tracking_number": case.case_id, "title": case.title, "channel": case.channel,
                 "town": case.town, "content": case.content}
        now = utcnow()
        for planned in domain.plan_for_routed_case(brief, event.data, contact, event.event_id):
            insert_ignore(uow.session, notifications, {
                "dedupe_key": planned.dedupe_key, "case_id": event.case_id, "kind": planned.kind,
                "audience": planned.audience, "channel": planned.channel,
                "recipient": planned.recipient, "recipient_masked": planned.recipient_masked,
                "subject": planned.subject, "body": planned.body, "status": "pending",
                "attempts": 0, "source_event_id": event.event_id, "created_at": now,
                "next_attempt_at": now,
            })
        uow.commit()
        ids = uow.session.execute(
            select(notifications.c.id).where(notifications.c.source_event_id == event.event_id)
        ).scalars().all()
    return list(ids)


def due_notifications(uow: UnitOfWork, now: datetime, limit: int = 50) -> list[int]:
    """Pending notifications whose time has come, and claims abandoned by a dead process."""
    n = notifications.c
    with uow:
        return list(uow.session.execute(
            select(n.id).where(or_(
                and_(n.status == "pending", n.next_attempt_at <= now),
                and_(n.status == "sending", n.claimed_at < now - domain.STALE_CLAIM),
            )).order_by(n.id).limit(limit)
        ).scalars().all())


def deliver(
    uow_factory: Callable[[], UnitOfWork],
    channels: Mapping[str, Channel],
    notification_id: int,
    now: Callable[[], datetime] = utcnow,
) -> str | None:
    """Claim one notification, send it, record the outcome (and its event). Returns the status,
    or None when another worker holds it or it is already settled."""
    row = _claim(uow_factory(), notification_id, now())
    if row is None:
        return None
    message = OutgoingMessage(row.id, row.case_id, row.kind, row.recipient, row.recipient_masked,
                              row.subject, row.body)
    channel = channels.get(row.channel)
    try:
        if channel is None:
            raise DeliveryError(f"no channel {row.channel!r} is configured")
        channel.send(message)
    except DeliveryError as exc:
        return _record_failure(uow_factory(), row, str(exc), now())
    return _record_sent(uow_factory(), row, now())


def _claim(uow: UnitOfWork, notification_id: int, now: datetime) -> Any | None:
    n = notifications.c
    with uow:
        claimed = uow.session.execute(
            update(notifications)
            .where(n.id == notification_id)
            .where(or_(
                and_(n.status == "pending", n.next_attempt_at <= now),
                and_(n.status == "sending", n.claimed_at < now - domain.STALE_CLAIM),
            ))
            .values(status="sending", claimed_at=now)
        ).rowcount
        if claimed != 1:
            return None
        row = uow.session.execute(select(notifications).where(n.id == notification_id)).one()
        uow.commit()
        return row


def _record_sent(uow: UnitOfWork, row: Any, now: datetime) -> str:
    attempts = row.attempts + 1
    with uow:
        uow.session.execute(update(notifications).where(notifications.c.id == row.id)
                            .values(status="sent", sent_at=now, attempts=attempts, last_error=None))
        uow.publish(_outcome_event("notification_sent", row, attempts, None, now))
        uow.commit()
    log.info("case %s: %s sent to %s by %s", row.case_id, row.kind, row.recipient_masked,
             row.channel, extra={"case_id": row.case_id})
    return "sent"


def _record_failure(uow: UnitOfWork, row: Any, error: str, now: datetime) -> str:
    attempts = row.attempts + 1
    retry_at = domain.next_attempt_after(attempts, now)
    status = "pending" if retry_at else "failed"
    with uow:
        uow.session.execute(update(notifications).where(notifications.c.id == row.id).values(
            status=status, attempts=attempts, last_error=error[:2000],
            next_attempt_at=retry_at or now))
        if status == "failed":
            uow.publish(_outcome_event("notification_failed", row, attempts, error, now))
        uow.commit()
    log.warning("case %s: %s to %s failed (attempt %d): %s", row.case_id, row.kind,
                row.recipient_masked, attempts, error, extra={"case_id": row.case_id})
    return status


def _outcome_event(event_type: str, row: Any, attempts: int, error: str | None, now: datetime):
    return new_event(event_type, row.case_id, {
        "notification_id": row.id, "kind": row.kind, "audience": row.audience,
        "channel": row.channel, "recipient": row.recipient_masked, "attempts": attempts,
        "error": error,
    }, actor="notify", occurred_at=now)
