"""Routing's use case: a case was opened; decide its station and announce it."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import insert, select

from liaison.db.uow import UnitOfWork
from liaison.events import Event, new_event
from liaison.timeutil import local, utcnow
from services.routing.models import decisions
from services.routing.policy import RoutingDecision, RoutingRequest, decide
from services.routing.registry import StationRegistry

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


def route_case(uow: UnitOfWork, registry: StationRegistry, event: Event) -> RoutingDecision | None:
    """Route one ``case_opened``; None when this event (or this case) was already routed."""
    with uow:
        if not uow.claim(event.event_id, "route_case"):
            return None
        already = uow.session.execute(
            select(decisions.c.station).where(decisions.c.case_id == event.case_id)
        ).first()
        if already is not None:  # the same case announced twice under two event ids
            uow.commit()
            return None
        decision = decide(request_from_case(event), registry)
        station = registry.get(decision.station)
        deputies = [
            {"name": d.name, "profession": d.profession, "level": d.level}
            for d in registry.on_duty(station.code, local(event.occurred_at))
        ]
        now = utcnow()
        uow.session.execute(
            insert(decisions).values(
                case_id=event.case_id,
                station=station.code,
                rule=decision.rule,
                reason=decision.reason,
                town=decision.town,
                deputies=deputies,
                source_event_id=event.event_id,
                decided_at=now,
            )
        )
        uow.publish(new_event("case_routed", event.case_id, _routed_data(decision, station, deputies),
                              actor="routing", occurred_at=now))
        uow.commit()
    log.info("case %s routed to %s (%s)", event.case_id, station.code, decision.rule,
             extra={"case_id": event.case_id})
    return decision


def _routed_data(decision: RoutingDecision, station: Any, deputies: list[dict]) -> dict[str, Any]:
    return {
        "station": {"code": station.code, "name": station.name,
                    "contact_email": station.contact_email},
        "deputies": deputies,
        "rule": decision.rule,
        "reason": decision.reason,
        "town": decision.town,
        "town_source": decision.town_source,
        "matched": list(decision.matched),
    }
