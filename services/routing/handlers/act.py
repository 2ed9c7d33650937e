"""Routing's second use case: a staff member, deputy or the county office acts on a case.

The answer is a dict, never an exception, so every caller (RPC, HTTP) can say exactly why an action
was refused: ``{"ok": false, "code": ..., "message": ..., "errors": {...}}``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from marshmallow import ValidationError

from liaison.contracts.events import new_event, to_jsonable
from liaison.db.uow import UnitOfWork
from services.routing.adapters import repository
from services.routing.handlers.route_case import announce_assignment
from services.routing.rules.lifecycle import (
    OPEN,
    ActionRefused,
    Actor,
    CaseSnapshot,
    Transition,
    decide,
    permitted,
)
from services.routing.rules.rulebook import Rules
from services.routing.rules.time_limits import (
    Deadline,
    deadline,
    moved,
    paused_working_days,
    stage_after_move,
)
from services.routing.schemas import DETAILS, ActionRequestSchema

log = logging.getLogger(__name__)


def refused(code: str, message: str, errors: dict | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"ok": False, "code": code, "message": message}
    if errors:
        answer["errors"] = errors
    return answer


def act(uow: UnitOfWork, rules: Rules, case_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Check, in this order: the request's shape, that the case exists, that this actor may take
    this action now, the action's fields, the rules that depend on them; then apply it."""
    try:
        parsed = ActionRequestSchema().load(request)
    except ValidationError as exc:
        return refused("invalid_fields", "the request is not valid", exc.normalized_messages())
    actor = Actor(**parsed["actor"])
    action_name = parsed["action"]
    with uow:
        row = repository.case_for_update(uow.session, case_id)
        if row is None:
            return refused("not_found", f"no case {case_id} (or it is not routed yet)")
        snapshot = CaseSnapshot(case_id, row.status, row.station, row.paused_at is not None)
        try:
            permitted(snapshot, action_name, actor)
            details = DETAILS[action_name]().load(parsed["details"])
            transition = decide(snapshot, action_name, actor, details)
            _check_references(uow, rules, transition, details)
        except ActionRefused as exc:
            return refused(exc.code, exc.message)
        except ValidationError as exc:
            return refused("invalid_fields", f"{action_name} needs valid fields",
                           exc.normalized_messages())
        now = rules.now()
        event_id = _apply(uow, rules, row, transition, actor, details, now)
        uow.commit()
    log.info("case %s: %s by %s -> %s", case_id, action_name, actor.role, transition.status_after,
             extra={"case_id": case_id})
    return {"ok": True, "case_id": case_id, "action": action_name,
            "status": transition.status_after,
            "station": transition.new_station or row.station, "event_id": event_id}


def _check_references(uow: UnitOfWork, rules: Rules, transition: Transition,
                      details: dict[str, Any]) -> None:
    """What the lifecycle cannot know: that a named station or case exists."""
    if transition.new_station is not None and transition.new_station not in rules.registry.codes:
        raise ActionRefused("unknown_station", f"no station {transition.new_station!r}")
    if transition.action.name == "merge":
        target = repository.case_for_update(uow.session, details["into"])
        if target is None:
            raise ActionRefused("unknown_case", f"no case {details['into']} to merge into")
        if target.status not in OPEN:
            raise ActionRefused("target_closed", f"case {details['into']} is {target.status}")


def _apply(uow: UnitOfWork, rules: Rules, row, transition: Transition, actor: Actor,
           details: dict[str, Any], now: datetime) -> str:
    session, case_id = uow.session, row.case_id
    limits = rules.limits.for_category(row.category)
    name = transition.action.name
    station_after = transition.new_station or row.station
    changes: dict[str, Any] = {"status": transition.status_after, "station": station_after,
                               "updated_at": now}
    if name == "pause":
        changes["paused_at"] = now
    elif name == "resume":
        _shift_clocks(uow, rules, case_id, paused_working_days(row.paused_at, now, rules.calendar),
                      limits.warn_before, now)
        changes["paused_at"] = None
    elif name == "extend":
        _shift_clocks(uow, rules, case_id, details["working_days"], limits.warn_before, now)
    elif name == "merge":
        changes["merged_into"] = details["into"]
    repository.end_phases(session, case_id, transition.ends, now)
    if transition.new_station is None:
        for phase in transition.starts:
            repository.add_deadline(session, case_id, station_after, now,
                                    deadline(phase, now, limits, rules.calendar))
    repository.update_case(session, case_id, **changes)
    paused = changes.get("paused_at", row.paused_at) is not None
    event = new_event(transition.action.event_type, case_id, {
        "action": name,
        "status_before": transition.status_before,
        "status": transition.status_after,
        "station": row.station,
        "actor": {"name": actor.name, "role": actor.role, "station": actor.station},
        "details": to_jsonable(details),
        "deadlines": {row.phase: row.due_at.isoformat()
                      for row in repository.open_deadlines(session, case_id)},
        "paused": paused,
        "new_station": transition.new_station,
    }, actor=actor.label(), occurred_at=now)
    uow.publish(event)
    if transition.new_station is not None:
        station = rules.registry.get(transition.new_station)
        why = details.get("reason") or transition.action.summary
        reason = f"{row.station}{transition.action.summary}：{why}；转{station.name}"
        announce_assignment(uow, rules, case_id, station, "manual", reason, actor.label(), now,
                            row.category, previous_station=row.station)
    return event.event_id


def _shift_clocks(uow: UnitOfWork, rules: Rules, case_id: str, working_days: int,
                  warn_before: int, now: datetime) -> None:
    """Move every open clock of the case by ``working_days`` (a pause's length, an extension)."""
    if working_days <= 0:
        return
    for row in repository.open_deadlines(uow.session, case_id):
        clock = moved(Deadline(row.phase, row.warn_at, row.due_at), working_days, warn_before,
                      rules.calendar)
        repository.move_deadline(uow.session, row.id, clock,
                                 stage_after_move(clock.due_at, now, row.stage))
