"""Archive's use cases: record a case event (and link it into the archives of the deputies who
handled it); apply an event of the registry or the records desk to the deputies' archives; show a
case with its history."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from liaison.contracts.county_time import utcnow
from liaison.contracts.events import TRANSITION_EVENTS, Event
from liaison.contracts.privacy import mask_text
from liaison.contracts.retention import ERASED, erased_submitter, erased_title
from liaison.db.statements import (
    insert_ignore_returning,
    lock_or_create,
    update_where,
)
from liaison.db.uow import UnitOfWork
from services.archive.adapters.models import case_events, cases, deputies, stations
from services.archive.cases.rules.history import describe
from services.archive.cases.rules.projection import COUNTER_EVENTS, CaseState, HistoryEntry, derive, in_order
from services.archive.cases.rules.station_feed import feed_message, masked_submitter
from services.archive.deputies.adapters import ledger
from services.archive.deputies.rules import record_entries, registry
from services.archive.deputies.rules.case_links import Roster, RosterEntry, links

log = logging.getLogger(__name__)

# The case events that can link a case into a deputy's archive (case_links.py): routings and steps.
LINKING_EVENTS = frozenset({"case_routed", *TRANSITION_EVENTS})

_HISTORY = select(case_events).where(case_events.c.case_id == bindparam("case_id")).order_by(
    case_events.c.id)


def record_event(uow: UnitOfWork, event: Event) -> bool:
    """Append ``event`` to its case's history and re-derive the case; False if already recorded."""
    if event.case_id is None:
        return False  # not about a case (e.g. a rejected submission)
    with uow:
        session = uow.session
        now = utcnow()
        entry = HistoryEntry(event.event_id, event.event_type, event.case_id, event.occurred_at,
                             event.producer, event.actor, event.data)
        # The history's unique event_id is the inbox here: a redelivery inserts nothing.
        if insert_ignore_returning(session, case_events, {
            "event_id": event.event_id, "case_id": event.case_id, "event_type": event.event_type,
            "producer": event.producer, "actor": event.actor, "occurred_at": event.occurred_at,
            "recorded_at": now, "summary": describe(entry), "data": event.data,
        }, "id") is None:
            return False
        if event.event_type in COUNTER_EVENTS:  # the same result as deriving, in one statement
            count_on_case(session, event.case_id, COUNTER_EVENTS[event.event_type],
                          event.occurred_at)
            uow.commit()
            return True
        # Lock the case row so two archive instances fold one case's events one at a time.
        lock_or_create(session, cases, {"case_id": event.case_id, "updated_at": now,
                                        "notifications_sent": 0, "notifications_failed": 0})
        if event.event_type == "case_anonymized":
            erase_personal_data(session, event.case_id)
        history = load_history(session, event.case_id)
        state = derive(event.case_id, history)
        update_where(session, cases, {"case_id": event.case_id}, _case_row(state))
        if event.event_type in LINKING_EVENTS:
            roster = load_roster(session)
            if roster:
                ledger.append(session, links(history, roster), now)
        message = feed_message(entry, state)
        if message is not None:
            uow.publish_message(**message)
        uow.commit()
    log.info("case %s: %s recorded", event.case_id, event.event_type,
             extra={"case_id": event.case_id})
    return True


def count_on_case(session: Session, case_id: str, counter: str, at: datetime) -> None:
    """One more on ``counter`` of the case row (created if missing), ``updated_at`` moved forward to
    ``at``: what deriving the case again would give for a COUNTER_EVENTS event, in one statement."""
    session.execute(_count_on_case(session.dialect.name, counter), {"case_id": case_id, "at": at})


@cache
def _count_on_case(dialect: str, counter: str):
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(cases).values(
        case_id=bindparam("case_id"), updated_at=bindparam("at"),
        **{name: int(name == counter) for name in COUNTER_EVENTS.values()})
    column, new = cases.c, statement.excluded
    return statement.on_conflict_do_update(index_elements=[column.case_id], set_={
        counter: column[counter] + 1,
        "updated_at": sql_case((column.updated_at < new.updated_at, new.updated_at),
                               else_=column.updated_at),
    })


def apply_record(uow: UnitOfWork, event: Event) -> bool:
    """Add what an event of the registry or of the records desk says to the archives (the
    deputy's or the station's chain); a newly registered deputy also gets the cases already
    archived that name them. False if this event was already applied."""
    with uow:
        if not uow.claim(event.event_id, "apply_record"):
            return False
        session = uow.session
        now = utcnow()
        new = record_entries.entries_for(event)
        kind, data = event.event_type, event.data
        if kind in ("deputy_registered", "deputy_updated"):
            _keep_newest(session, deputies, deputies.c.deputy_id, data["deputy_id"],
                         registry.deputy_row(data), now)
            if kind == "deputy_registered" or {"name", "stations"} & set(data.get("changes") or []):
                new += cases_naming(session, data["deputy_id"])
        elif kind in ("station_registered", "station_updated"):
            _keep_newest(session, stations, stations.c.code, data["code"],
                         registry.station_row(data), now)
        appended = ledger.append(session, new, now)
        uow.commit()
    log.info("%s %s: %d archive entries", kind, data.get("record_id") or data.get("deputy_id")
             or data.get("code"), appended)
    return True


def _keep_newest(session: Session, table, key_column, key: str, row: dict[str, Any],
                 now) -> None:
    """The registry row, from an event: inserted, or updated if the event is newer (the desk has
    usually written it already; an event from elsewhere, or out of order, is handled the same)."""
    version = session.execute(select(table.c.version).where(key_column == key)).scalar_one_or_none()
    if version is None:
        session.execute(insert(table).values(**row, updated_at=now))
    elif version < row["version"]:
        session.execute(update(table).where(key_column == key).values(**row, updated_at=now))


def load_roster(session: Session) -> Roster:
    return Roster(RosterEntry(row.deputy_id, row.name, tuple(row.stations or ()))
                  for row in session.execute(select(deputies.c.deputy_id, deputies.c.name,
                                                    deputies.c.stations)))


def cases_naming(session: Session, deputy_id: str) -> list:
    """The case entries of every archived case that links ``deputy_id`` (a late registration)."""
    roster = load_roster(session)
    histories: dict[str, list[HistoryEntry]] = {}
    for row in session.execute(select(case_events).order_by(case_events.c.id)):
        histories.setdefault(row.case_id, []).append(_entry(row))
    return [entry for history in histories.values() for entry in links(history, roster)
            if entry.deputy_id == deputy_id]


def erase_personal_data(session: Session, case_id: str) -> None:
    """The retention period is over (services/routing/rules/retention.py): the case's history keeps
    every step, but no longer who submitted it or their words."""
    opened = session.execute(select(case_events.c.id, case_events.c.data).where(
        case_events.c.case_id == case_id, case_events.c.event_type == "case_opened")).all()
    for row in opened:
        data = {**row.data, "submitter": erased_submitter(row.data.get("submitter")),
                "title": erased_title(row.data.get("title")), "content": ERASED,
                "location": None, "attachments": []}
        session.execute(update(case_events).where(case_events.c.id == row.id)
                        .values(data=data, summary=f"受理诉求：{data['title']}"))


def load_history(session: Session, case_id: str) -> list[HistoryEntry]:
    return [_entry(row) for row in _history_rows(session, case_id)]


def _history_rows(session: Session, case_id: str) -> list[Any]:
    return list(session.execute(_HISTORY, {"case_id": case_id}).all())


def _entry(row: Any) -> HistoryEntry:
    return HistoryEntry(row.event_id, row.event_type, row.case_id, row.occurred_at, row.producer,
                        row.actor, row.data)


def _case_row(state: CaseState) -> dict[str, Any]:
    return {
        "external_id": state.external_id,
        "status": state.status,
        "station": state.station,
        "station_name": state.station_name,
        "title": state.title,
        "channel": state.channel,
        "town": state.town,
        "routing_reason": state.routing_reason,
        "category": state.category,
        "alert_level": state.alert_level,
        "paused": state.paused,
        "merged_into": state.merged_into,
        "satisfaction": state.satisfaction,
        "opened_at": state.opened_at,
        "updated_at": state.updated_at or utcnow(),
        "notifications_sent": state.notifications_sent,
        "notifications_failed": state.notifications_failed,
    }


# --- queries ---------------------------------------------------------------------------------


def find_case_id(session: Session, external_id: str) -> str | None:
    return session.execute(
        select(cases.c.case_id).where(cases.c.external_id == external_id)
    ).scalar_one_or_none()


def case_view(session: Session, case_id: str) -> dict[str, Any] | None:
    """The case as the API shows it: current state, history, personal data masked."""
    rows = _history_rows(session, case_id)
    if not rows:
        return None
    history = [_entry(row) for row in rows]
    state = derive(case_id, history)
    return {
        "tracking_number": case_id,
        "external_id": state.external_id,
        "status": state.status,
        "station": {"code": state.station, "name": state.station_name} if state.station else None,
        "routing_reason": state.routing_reason,
        "title": state.title,
        "content": mask_text(state.content) if state.content else None,
        "channel": state.channel,
        "town": state.town,
        "submitter": masked_submitter(state.submitter),
        "opened_at": _iso(state.opened_at),
        "updated_at": _iso(state.updated_at),
        "category": state.category,
        "deadlines": state.deadlines,
        "alert": {"level": state.alert_level, "phases": state.alerts} if state.alerts else None,
        "paused": state.paused,
        "merged_into": state.merged_into,
        "satisfaction": state.satisfaction,
        "notifications": {"sent": state.notifications_sent, "failed": state.notifications_failed},
        "history": [
            {
                "at": _iso(r.occurred_at),
                "event_type": r.event_type,
                "actor": r.actor,
                "summary": r.summary,
                "event_id": r.event_id,
                "producer": r.producer,
                "recorded_at": _iso(r.recorded_at),
            }
            for r in _in_order(rows)
        ],
    }


def _in_order(rows: list[Any]) -> list[Any]:
    by_id = {row.event_id: row for row in rows}
    return [by_id[entry.event_id] for entry in in_order(_entry(row) for row in rows)]


def _iso(value) -> str | None:
    return value.isoformat() if value else None
