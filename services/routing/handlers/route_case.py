"""Routing's first use case: a case was opened; decide its station, start its clock, announce it."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from liaison.contracts.county_time import local
from liaison.contracts.events import Event, new_event
from liaison.db.uow import UnitOfWork
from services.routing.adapters import repository
from services.routing.rules.lifecycle import ROUTED, SIGN_FOR
from services.routing.rules.policy import RoutingDecision, RoutingRequest, decide
from services.routing.rules.registry import Station
from services.routing.rules.rulebook import Rules
from services.routing.rules.time_limits import deadline

log = logging.getLogger(__name__)


def request_from_case(event: Event) -> RoutingRequest:
    data = event.data
    submitter = data.get("submitter") or {}
    return RoutingRequest(
        id=event.case_id or data["tracking_number"],
        channel=data["channel"],
        submitter_type=submitter.get("type", "resident"),
        town=data.get("town"),
        title=data["title"],
        content=data["content"],
        category=data.get("category"),
        enterprise_name=submitter.get("enterprise_name"),
    )


def route_case(uow: UnitOfWork, rules: Rules, event: Event) -> RoutingDecision | None:
    """Route one ``case_opened``; None when this event (or this case) was already routed."""
    with uow:
        if not uow.claim(event.event_id, "route_case"):
            return None
        session = uow.session
        if repository.case_for_update(session, event.case_id) is not None:
            uow.commit()  # the same case announced twice under two event ids
            return None
        decision = decide(request_from_case(event), rules.registry)
        station = rules.registry.get(decision.station)
        now = rules.now()
        category = event.data.get("category")
        on_duty = deputies_on_duty(rules, station, now)
        repository.add_decision(session, {
            "case_id": event.case_id, "station": station.code, "rule": decision.rule,
            "reason": decision.reason, "town": decision.town, "deputies": on_duty,
            "source_event_id": event.event_id, "decided_at": now})
        repository.add_case(session, {
            "case_id": event.case_id, "station": station.code, "status": ROUTED,
            "category": category, "opened_at": event.occurred_at, "updated_at": now})
        announce_assignment(uow, rules, event.case_id, station, decision.rule, decision.reason,
                            "routing", now, category, decision=decision, on_duty=on_duty)
        uow.commit()
    log.info("case %s routed to %s (%s)", event.case_id, station.code, decision.rule,
             extra={"case_id": event.case_id})
    return decision


def announce_assignment(uow: UnitOfWork, rules: Rules, case_id: str, station: Station, rule: str,
                        reason: str, actor: str, now: datetime, category: str | None,
                        decision: RoutingDecision | None = None,
                        previous_station: str | None = None,
                        on_duty: list[dict[str, Any]] | None = None) -> None:
    """Record that ``station`` now has the case, start its sign-for clock (its only open clock: a
    re-route ends the others), publish case_routed."""
    session = uow.session
    clock = deadline(SIGN_FOR, now, rules.limits.for_category(category), rules.calendar)
    repository.add_assignment(session, case_id, station.code, rule, reason, actor, now)
    repository.add_deadline(session, case_id, station.code, now, clock)
    uow.publish(new_event("case_routed", case_id, {
        "station": {"code": station.code, "name": station.name,
                    "contact_email": station.contact_email, "webhook_url": station.webhook_url},
        "deputies": on_duty if on_duty is not None else deputies_on_duty(rules, station, now),
        "rule": rule,
        "reason": reason,
        "town": decision.town if decision else None,
        "town_source": decision.town_source if decision else None,
        "matched": list(decision.matched) if decision else [],
        "category": category,
        "previous_station": previous_station,
        "deadlines": {SIGN_FOR: clock.due_at.isoformat()},
    }, actor=actor, occurred_at=now))


def deputies_on_duty(rules: Rules, station: Station, when: datetime) -> list[dict[str, Any]]:
    return [{"name": d.name, "profession": d.profession, "level": d.level}
            for d in rules.registry.on_duty(station.code, local(when))]
