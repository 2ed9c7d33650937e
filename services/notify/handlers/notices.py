"""Notify's use cases: keep what it needs to know of each case, plan the notifications an event
causes (services/notify/rules/notices.py says which), deliver them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update

from liaison.contracts.county_time import utcnow
from liaison.contracts.events import Event, new_event
from liaison.contracts.retention import ERASED
from liaison.db.statements import (
    insert_ignore,
    insert_ignore_returning,
    update_rows,
    update_where,
)
from liaison.db.uow import UnitOfWork
from liaison.service_kit.failures import Failure, TransientError, classify
from services.notify.adapters.channels import Channel, DeliveryError, OutgoingMessage
from services.notify.adapters.dependencies import NotifySettings
from services.notify.adapters.models import cases, merges, notifications
from services.notify.rules import notices as domain

log = logging.getLogger(__name__)

# Built once (see liaison/db/statements.py): the statements run for every event and notice.
_CASE = select(cases).where(cases.c.case_id == bindparam("case_id"))
_FOLLOWERS = (select(cases).join(merges, merges.c.case_id == cases.c.case_id)
              .where(merges.c.into_case_id == bindparam("case_id")).order_by(cases.c.case_id))


def handle_event(uow: UnitOfWork, settings: NotifySettings, event: Event) -> list[int]:
    """Apply one event; returns the ids of the notifications it planned (to deliver now)."""
    if event.event_type == "case_opened":
        remember_case(uow, event)
        return []
    if event.event_type == "case_anonymized":
        erase_personal_data(uow, event)
        return []
    with uow:
        if not uow.claim(event.event_id, "notify"):
            return []
        case = _case(uow, event.case_id)
        if case is None:
            # case_opened travels on another path and has not arrived yet: try again shortly
            # (raising undoes the claim).
            raise TransientError(f"case {event.case_id}: {event.event_type} before case_opened")
        session = uow.session
        if event.event_type == "case_routed":
            station = event.data["station"]
            assigned = {"station": station["code"], "station_name": station["name"],
                        "station_email": station.get("contact_email"),
                        "station_webhook": station.get("webhook_url")}
            update_where(session, cases, {"case_id": event.case_id}, assigned)
            case = SimpleNamespace(**{**case._asdict(), **assigned})
        elif event.event_type == "case_merged":
            insert_ignore(session, merges, {"case_id": event.case_id,
                                            "into_case_id": event.data["details"]["into"]})
        planned = domain.plan(event.event_type, event.event_id, event.data, _info(case),
                              _contact(case), _followers(uow, event.case_id),
                              settings.addresses)
        now = utcnow()
        ids = []
        for item in planned:
            ids.append(insert_ignore_returning(session, notifications, {
                "dedupe_key": item.dedupe_key, "case_id": event.case_id, "kind": item.kind,
                "audience": item.audience, "channel": item.channel, "recipient": item.recipient,
                "recipient_masked": item.recipient_masked, "subject": item.subject,
                "body": item.body, "status": "pending", "attempts": 0,
                "source_event_id": event.event_id, "created_at": now, "next_attempt_at": now,
            }, "id"))
        uow.commit()
        return [notification_id for notification_id in ids if notification_id is not None]


def remember_case(uow: UnitOfWork, event: Event) -> None:
    """``case_opened``: keep the contact and the text; nothing is sent until the case is routed."""
    data = event.data
    submitter = data["submitter"]
    anonymous = bool(submitter.get("anonymous"))
    with uow:
        if not uow.claim(event.event_id, "remember_case"):
            return
        insert_ignore(uow.session, cases, {
            "case_id": event.case_id, "title": data["title"], "channel": data["channel"],
            "town": data.get("town"), "content": data["content"], "anonymous": anonymous,
            "name": None if anonymous else submitter.get("name"),
            "phone": None if anonymous else submitter.get("phone"),
            "email": None if anonymous else submitter.get("email"),
            "submitter_type": submitter.get("type"), "recorded_at": utcnow(),
        })
        uow.commit()


def erase_personal_data(uow: UnitOfWork, event: Event) -> None:
    """``case_anonymized``: forget how to reach the submitter and what they wrote; the records of
    what was sent stay, with masked recipients only."""
    with uow:
        if not uow.claim(event.event_id, "erase_personal_data"):
            return
        session = uow.session
        session.execute(update(cases).where(cases.c.case_id == event.case_id).values(
            anonymous=True, name=None, phone=None, email=None, content=ERASED))
        session.execute(update(notifications).where(
            notifications.c.case_id == event.case_id,
            notifications.c.status.in_(("sent", "failed"))).values(
            recipient=notifications.c.recipient_masked, body=ERASED))
        uow.commit()


def _case(uow: UnitOfWork, case_id: str) -> Any | None:
    return uow.session.execute(_CASE, {"case_id": case_id}).first()


def _info(row: Any) -> domain.CaseInfo:
    return domain.CaseInfo(row.case_id, row.title, row.channel, row.town, row.content,
                           row.station, row.station_name, row.station_email, row.station_webhook)


def _contact(row: Any) -> domain.Contact:
    return domain.Contact(row.case_id, row.anonymous, row.name, row.phone, row.email,
                          row.submitter_type)


def _followers(uow: UnitOfWork, case_id: str) -> list[domain.Contact]:
    """Submitters of the cases merged into ``case_id``."""
    rows = uow.session.execute(_FOLLOWERS, {"case_id": case_id}).all()
    return [_contact(row) for row in rows]


# --- delivery --------------------------------------------------------------------------------


def due_notifications(uow: UnitOfWork, now: datetime, limit: int = 50) -> list[int]:
    """Pending notifications whose time has come, and claims abandoned by a dead process."""
    with uow:
        return list(uow.session.execute(_DUE, {**_deliverable_at(now), "limit": limit})
                    .scalars().all())


# Deliverable: pending and due, or claimed by a process that has not finished within STALE_CLAIM.
_n = notifications.c
_DELIVERABLE = or_(
    and_(_n.status == "pending", _n.next_attempt_at <= bindparam("now")),
    and_(_n.status == "sending", _n.claimed_at < bindparam("stale_before")),
)
_DUE = select(_n.id).where(_DELIVERABLE).order_by(_n.id).limit(bindparam("limit"))
_CLAIM = (
    update(notifications)
    .where(_n.id.in_(bindparam("ids", expanding=True)), _DELIVERABLE)
    .values(status="sending", claimed_at=bindparam("now"))
    .returning(*notifications.c)
)


def _deliverable_at(now: datetime) -> dict[str, datetime]:
    return {"now": now, "stale_before": now - domain.STALE_CLAIM}


def deliver(
    uow_factory: Callable[[], UnitOfWork],
    settings: NotifySettings,
    notification_id: int,
    now: Callable[[], datetime] = utcnow,
) -> str | None:
    """Claim one notification, send it, record the outcome (and its event). Returns the status,
    or None when another worker holds it or it is already settled."""
    return deliver_many(uow_factory, settings, [notification_id], now).get(notification_id)


def deliver_many(
    uow_factory: Callable[[], UnitOfWork],
    settings: NotifySettings,
    notification_ids: list[int],
    now: Callable[[], datetime] = utcnow,
) -> dict[int, str]:
    """Claim the notifications (one transaction), send each and record it as sent before the next
    is sent (a crash between a send and its record repeats that one message only), then record the
    failures (one transaction). Returns the status of each notification this call claimed; those
    another worker holds, or already settled, are left out."""
    if not notification_ids:
        return {}
    statuses: dict[int, str] = {}
    failed: list[tuple[Any, str]] = []
    for row in _claim(uow_factory(), notification_ids, now()):
        message = OutgoingMessage(row.id, row.case_id, row.kind, row.recipient,
                                  row.recipient_masked, row.subject, row.body)
        channel: Channel | None = settings.channels.get(row.channel)
        try:
            if channel is None:
                raise DeliveryError(f"no channel {row.channel!r} is configured")
            channel.send(message)
        except DeliveryError as exc:
            failed.append((row, str(exc)))
        else:
            statuses.update(_record_sent_retrying(uow_factory, [row], now))
    if failed:
        statuses.update(_record_failures(uow_factory(), failed, now(), settings.retry_delays))
    return statuses


# How long a sent notification's record is retried through a database outage. It must stay below
# STALE_CLAIM: past it another worker takes the claim over and sends the message a second time.
RECORD_SENT_RETRY_SECONDS = domain.STALE_CLAIM.total_seconds() * 0.75


def _record_sent_retrying(uow_factory: Callable[[], UnitOfWork], rows: list[Any],
                          now: Callable[[], datetime]) -> dict[int, str]:
    """The messages have left: record that, riding out a database outage. Giving up at the first
    error would leave the rows ``sending`` until the claim goes stale, then send them again."""
    deadline = time.monotonic() + RECORD_SENT_RETRY_SECONDS
    delay = 0.5
    while True:
        try:
            return _record_sent(uow_factory(), rows, now())
        except Exception as exc:
            if classify(exc) is not Failure.TRANSIENT or time.monotonic() + delay > deadline:
                raise
            log.warning("%d notifications sent, recording them failed (%s); retrying in %.1fs",
                        len(rows), type(exc).__name__, delay)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _claim(uow: UnitOfWork, notification_ids: list[int], now: datetime) -> list[Any]:
    with uow:
        claimed = uow.session.execute(_CLAIM, {"ids": list(notification_ids),
                                               **_deliverable_at(now)}).all()
        uow.commit()
    return sorted(claimed, key=lambda row: row.id)


def _record_sent(uow: UnitOfWork, rows: list[Any], now: datetime) -> dict[int, str]:
    with uow:
        update_rows(uow.session, notifications, ("id",), [
            {"id": row.id, "status": "sent", "sent_at": now, "attempts": row.attempts + 1,
             "last_error": None} for row in rows])
        for row in rows:
            uow.publish(_outcome_event("notification_sent", row, row.attempts + 1, None, now))
        uow.commit()
    for row in rows:
        log.info("case %s: %s sent to %s by %s", row.case_id, row.kind, row.recipient_masked,
                 row.channel, extra={"case_id": row.case_id})
    return {row.id: "sent" for row in rows}


def _record_failures(uow: UnitOfWork, failed: list[tuple[Any, str]], now: datetime,
                     delays: tuple[float, ...]) -> dict[int, str]:
    statuses: dict[int, str] = {}
    with uow:
        for row, error in failed:
            attempts = row.attempts + 1
            retry_at = domain.next_attempt_after(attempts, now, delays)
            statuses[row.id] = "pending" if retry_at else "failed"
            uow.session.execute(update(notifications).where(notifications.c.id == row.id).values(
                status=statuses[row.id], attempts=attempts, last_error=error[:2000],
                next_attempt_at=retry_at or now))
            if statuses[row.id] == "failed":
                uow.publish(_outcome_event("notification_failed", row, attempts, error, now))
        uow.commit()
    for row, error in failed:
        log.warning("case %s: %s to %s failed (attempt %d): %s", row.case_id, row.kind,
                    row.recipient_masked, row.attempts + 1, error, extra={"case_id": row.case_id})
    return statuses


def _outcome_event(event_type: str, row: Any, attempts: int, error: str | None, now: datetime):
    return new_event(event_type, row.case_id, {
        "notification_id": row.id, "kind": row.kind, "audience": row.audience,
        "channel": row.channel, "recipient": row.recipient_masked, "attempts": attempts,
        "error": error,
    }, actor="notify", occurred_at=now)

