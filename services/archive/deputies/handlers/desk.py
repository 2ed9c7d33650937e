"""The records desk: what staff hand the archive (a registry document, a duty record, a
suggestion, a report to constituents, …) is checked here and becomes an event in the outbox.

The deputies' archives are built only from events (``handlers.apply_record`` consumes them), so a
record typed at the desk, one published by another system and a case event all arrive the same
way. The desk keeps just enough to check what comes in: the registry as it stands and the ids of
the records it took (the same ``record_id`` twice is one record).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liaison.contracts.county_time import utcnow
from liaison.contracts.events import Event, new_event
from liaison.contracts.privacy import mask_text
from liaison.contracts.records import FREE_TEXT, RECORD_TYPES
from liaison.db.uow import UnitOfWork
from services.archive.adapters.models import deputies, records, stations
from services.archive.deputies.rules import registry

# Event ids of records are derived from their ids, so one record is one event however often sent.
_EVENT_NAMESPACE = uuid.UUID("6b1d2c55-3f7e-4c0e-9a51-7f3e2a1c9d10")
COUNTY_OFFICE = "county_office"
OPERATOR = {"name": "operator", "role": COUNTY_OFFICE, "station": None}


def actor_label(actor: dict[str, Any]) -> str:
    return f"{actor['role']}:{actor['name']}@{actor.get('station') or 'county'}"


# --- the registry --------------------------------------------------------------------------------


def load_registry(uow: UnitOfWork, document: Any, actor: dict[str, Any] | None = None,
                  now: datetime | None = None) -> dict[str, Any]:
    """Apply a registry document: one event per station or deputy that is new or changed. Only
    the county office keeps the registry (``actor`` None: the operator at the command line)."""
    now = now or utcnow()
    if actor is not None and actor.get("role") != COUNTY_OFFICE:
        return {"status": "rejected", "code": "not_allowed",
                "errors": {"_actor": ["only the county office keeps the deputy registry"]}}
    try:
        wanted = registry.parse_document(document)
    except ValidationError as exc:
        return {"status": "rejected", "errors": exc.normalized_messages()}
    label = actor_label(actor or OPERATOR)
    with uow:
        session = uow.session
        current_deputies = {row["deputy_id"]: registry.deputy_of_row(row)
                            for row in _rows(session, select(deputies).with_for_update())}
        current_stations = {row["code"]: row for row in _rows(session, select(stations))}
        changes, problems = registry.plan(wanted, current_deputies, current_stations)
        if problems:
            return {"status": "rejected", "errors": {"deputies": problems}}
        for change in changes:
            event = new_event(change.event_type, None, change.data, actor=label, occurred_at=now)
            if change.event_type.startswith("station"):
                row = registry.station_row(change.data)
                _upsert(session, stations, stations.c.code, change.key, row, now)
            else:
                row = registry.deputy_row(change.data)
                _upsert(session, deputies, deputies.c.deputy_id, change.key, row, now)
            uow.publish(event)
        try:
            uow.commit()
        except IntegrityError:  # another load registered the same deputy at the same moment
            return {"status": "rejected", "errors": {"_registry": ["changed meanwhile; load again"]}}
    summary: dict[str, Any] = {"status": "accepted", "unchanged": 0}
    for kind in ("station_registered", "station_updated", "deputy_registered", "deputy_updated"):
        summary[kind] = [c.key for c in changes if c.event_type == kind]
    summary["unchanged"] = len(wanted.deputies) + len(wanted.stations) - len(changes)
    return summary


def _upsert(session: Session, table, key_column, key: str, row: dict[str, Any],
            now: datetime) -> None:
    exists = session.execute(select(key_column).where(key_column == key)).first()
    if exists:
        session.execute(update(table).where(key_column == key).values(**row, updated_at=now))
    else:
        session.execute(insert(table).values(**row, updated_at=now))


def _rows(session: Session, query) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(query)]


# --- records ------------------------------------------------------------------------------------


class Refused(Exception):
    def __init__(self, errors: dict[str, Any]):
        self.errors = errors
        super().__init__(str(errors))


def record(uow: UnitOfWork, payload: Any, now: datetime | None = None) -> dict[str, Any]:
    """Take one record (``schemas.RECORD_TYPES``); its event goes out through the outbox.

    Returns ``{"status": "accepted" | "duplicate", "record_id", "event_id"}`` or
    ``{"status": "rejected", "errors": {field: [reasons]}}``.
    """
    now = now or utcnow()
    if not isinstance(payload, dict):
        return {"status": "rejected", "errors": {"_body": ["a record is a JSON object"]}}
    kind = payload.get("type")
    if kind not in RECORD_TYPES:
        return {"status": "rejected",
                "errors": {"type": [f"one of {', '.join(sorted(RECORD_TYPES))}"]}}
    event_type, schema, prefix = RECORD_TYPES[kind]
    try:
        data = schema().load({k: v for k, v in payload.items() if k != "type"})
    except ValidationError as exc:
        return {"status": "rejected", "errors": exc.normalized_messages()}
    record_id = data.get("record_id") or f"{prefix}-{uuid.uuid4().hex[:12]}"
    data["record_id"] = record_id
    for name in FREE_TEXT:
        if isinstance(data.get(name), str):
            data[name] = mask_text(data[name])
    for photo in data.get("photos") or []:
        if photo.get("caption"):
            photo["caption"] = mask_text(photo["caption"])
    event_id = str(uuid.uuid5(_EVENT_NAMESPACE, f"{kind}:{record_id}"))
    with uow:
        session = uow.session
        known = session.execute(select(records.c.event_id).where(
            records.c.record_type == kind, records.c.record_id == record_id)).scalar_one_or_none()
        if known is not None:
            return {"status": "duplicate", "record_id": record_id, "event_id": known}
        try:
            _check_against_registry(session, kind, data)
        except Refused as refused:
            return {"status": "rejected", "errors": refused.errors}
        refusal = _not_allowed(session, data)
        if refusal:
            return {"status": "rejected", "code": "not_allowed", "errors": {"recorded_by": [refusal]}}
        event = new_event(event_type, None, data, actor=actor_label(data["recorded_by"]),
                          occurred_at=now)
        event = _with_id(event, event_id)
        session.execute(insert(records).values(
            record_type=kind, record_id=record_id, event_id=event_id,
            deputies=_deputies_of(data), received_at=now))
        uow.publish(event)
        try:
            uow.commit()
        except IntegrityError:  # the same record, sent twice at the same moment
            return {"status": "duplicate", "record_id": record_id, "event_id": event_id}
    return {"status": "accepted", "record_id": record_id, "event_id": event_id}


def _with_id(event: Event, event_id: str) -> Event:
    return replace(event, event_id=event_id)


def _deputies_of(data: dict[str, Any]) -> list[str]:
    if "deputy" in data:
        return [data["deputy"]]
    return list(data.get("deputies") or [])


def _check_against_registry(session: Session, kind: str, data: dict[str, Any]) -> None:
    """Name deputies by their registry ids; refuse unknown deputies, stations and suggestions."""
    lookup = DeputyLookup.load(session)
    errors: dict[str, list[str]] = {}
    if "deputies" in data:
        ids, problems = lookup.resolve(data["deputies"])
        data["deputies"] = ids
        if problems:
            errors["deputies"] = problems
    if "deputy" in data:
        ids, problems = lookup.resolve([data["deputy"]])
        data["deputy"] = ids[0] if ids else data["deputy"]
        if problems:
            errors["deputy"] = problems
    station = data.get("station")
    if station and session.execute(select(stations.c.code).where(stations.c.code == station)
                                   ).first() is None:
        errors["station"] = [f"unknown station {station!r} (load the registry first)"]
    if kind == "suggestion_answer":
        filed = session.execute(select(records.c.deputies).where(
            records.c.record_type == "suggestion", records.c.record_id == data["suggestion_id"])
        ).first()
        if filed is None:
            errors["suggestion_id"] = [f"no suggestion {data['suggestion_id']!r} was recorded"]
        else:
            data["deputies"] = list(filed.deputies)
    if errors:
        raise Refused(errors)


def _not_allowed(session: Session, data: dict[str, Any]) -> str | None:
    """Station staff and deputies record for their own station and its deputies; the county
    office for anyone."""
    actor = data["recorded_by"]
    if actor["role"] == COUNTY_OFFICE:
        return None
    own = actor.get("station")
    if data.get("station") and data["station"] != own:
        return f"{actor['name']} records for {own}, not for {data['station']}"
    named = [*data.get("deputies", []), *([data["deputy"]] if "deputy" in data else [])]
    rows = session.execute(select(deputies.c.deputy_id, deputies.c.stations)
                           .where(deputies.c.deputy_id.in_(named))).all()
    others = sorted(row.deputy_id for row in rows if own not in (row.stations or []))
    if others:
        return f"{'、'.join(others)}: not deputies of {own}"
    return None


class DeputyLookup:
    """Registry ids of deputies named by id or by name."""

    def __init__(self, rows: list[dict[str, Any]]):
        self.ids = {row["deputy_id"] for row in rows}
        self.by_name: dict[str, list[str]] = {}
        for row in rows:
            self.by_name.setdefault(row["name"], []).append(row["deputy_id"])

    @classmethod
    def load(cls, session: Session) -> DeputyLookup:
        return cls(_rows(session, select(deputies.c.deputy_id, deputies.c.name)))

    def resolve(self, names: list[str]) -> tuple[list[str], list[str]]:
        ids: list[str] = []
        problems: list[str] = []
        for name in names:
            if name in self.ids:
                ids.append(name)
            elif len(self.by_name.get(name, [])) == 1:
                ids.append(self.by_name[name][0])
            elif name in self.by_name:
                problems.append(f"{name}: several deputies have this name; use the registry id")
            else:
                problems.append(f"{name}: not a registered deputy")
        return list(dict.fromkeys(ids)), problems
