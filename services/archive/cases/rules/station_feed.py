"""The stations' feed: every routed case and each later event, to exchange ``stations`` with routing
key ``<station_code>.<event_type>``, for the station's own staff systems. Personal data masked;
an anonymous submitter stays anonymous.

Message (JSON)::

    {"event_id", "event_type", "case_id", "occurred_at", "station", "status", "actor", "summary",
     "alert": "yellow" | "red" | null, "deadlines": {phase: due},
     "case": {"title", "content", "channel", "town", "category", "submitter", "opened_at"}}
"""

from __future__ import annotations

import json
from typing import Any

from liaison.contracts.events import DEADLINE_EVENTS, TRANSITION_EVENTS
from liaison.contracts.privacy import mask_email, mask_name, mask_phone, mask_text
from liaison.messaging.topology import STATIONS_EXCHANGE
from services.archive.cases.rules.history import describe
from services.archive.cases.rules.projection import CaseState, HistoryEntry

FEED_EVENTS = frozenset({"case_routed", *TRANSITION_EVENTS, *DEADLINE_EVENTS})


def station_of(entry: HistoryEntry) -> str | None:
    """The station an event belongs to: where the case was when it happened."""
    if entry.event_type == "case_routed":
        return entry.data["station"]["code"]
    return entry.data.get("station")


def feed_message(entry: HistoryEntry, state: CaseState) -> dict[str, Any] | None:
    """The outbox message for ``entry``, or None if stations are not told of it."""
    station = station_of(entry) if entry.event_type in FEED_EVENTS else None
    if station is None:
        return None
    body = {
        "event_id": entry.event_id,
        "event_type": entry.event_type,
        "case_id": entry.case_id,
        "occurred_at": entry.occurred_at.isoformat(),
        "station": station,
        "status": state.status,
        "actor": entry.actor,
        "summary": describe(entry),
        "alert": state.alert_level,
        "deadlines": state.deadlines,
        "case": {
            "title": state.title,
            "content": mask_text(state.content) if state.content else None,
            "channel": state.channel,
            "town": state.town,
            "category": state.category,
            "submitter": masked_submitter(state.submitter),
            "opened_at": state.opened_at.isoformat() if state.opened_at else None,
        },
    }
    return {
        "message_id": entry.event_id,
        "kind": f"station:{entry.event_type}",
        "exchange": STATIONS_EXCHANGE,
        "routing_key": f"{station}.{entry.event_type}",
        "body": json.dumps(body, ensure_ascii=False),
    }


def masked_submitter(submitter: dict[str, Any]) -> dict[str, Any]:
    if not submitter or submitter.get("anonymous"):
        return {"anonymous": True, "type": (submitter or {}).get("type")}
    return {"anonymous": False, "type": submitter.get("type"),
            "name": mask_name(submitter.get("name")), "phone": mask_phone(submitter.get("phone")),
            "email": mask_email(submitter.get("email")),
            "enterprise_name": submitter.get("enterprise_name")}

