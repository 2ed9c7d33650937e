"""Notify's rules: THE file for who is told what, when, and how often delivery is retried.

| event                                   | who                        | kind        |
| --------------------------------------- | -------------------------- | ----------- |
| case_routed                             | submitter (once per case)  | receipt     |
|                                         | the station                | assignment  |
| case_accepted                           | submitter(s)               | accepted    |
| case_forwarded, case_suggested          | submitter(s)               | forwarded   |
| case_department_replied                 | submitter(s)               | replied     |
| case_resolved, case_answered,           | submitter(s), with the     | resolved    |
| case_deliberated                        | satisfaction question      |             |
| case_return_visited → reopened          | submitter(s)               | reopened    |
| case_merged                             | the merged case's submitter| merged      |
| case_deadline_warning (yellow)          | the station                | warning     |
| case_overdue (red)                      | the station                | overdue     |
| case_escalated, step supervise (督办)   | the county office          | supervise   |
| case_escalated, step report             | the standing committee     | report      |

"submitter(s)": the case's own submitter and those of every case merged into it. A submitter is
reached by e-mail if they gave one, else by SMS; an anonymous submitter is not contacted. The
station is reached by e-mail and, if it has one, by its webhook. Everything addressed to anyone but
the submitter has the submitter's name and phone masked, or says "匿名".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from liaison.contracts.privacy import mask_email, mask_name, mask_phone, mask_text
from services.notify.adapters.rendering import render

DEFAULT_RETRY_DELAYS = (10.0, 30.0, 120.0, 600.0, 1800.0)  # seconds; configurable
# A claim older than this belongs to a process that died mid-send: deliver again.
STALE_CLAIM = timedelta(minutes=2)
CONTENT_EXCERPT = 500

SUBMITTER_KIND = {
    "case_accepted": "accepted",
    "case_forwarded": "forwarded",
    "case_suggested": "forwarded",
    "case_department_replied": "replied",
    "case_resolved": "resolved",
    "case_answered": "resolved",
    "case_deliberated": "resolved",
}
STATION_KIND = {"case_deadline_warning": "warning", "case_overdue": "overdue"}
ESCALATION_AUDIENCE = {"supervise": "county_office", "report": "standing_committee"}


@dataclass(frozen=True)
class Contact:
    case_id: str
    anonymous: bool
    name: str | None
    phone: str | None
    email: str | None
    submitter_type: str | None


@dataclass(frozen=True)
class CaseInfo:
    case_id: str
    title: str
    channel: str
    town: str | None
    content: str
    station: str | None
    station_name: str | None
    station_email: str | None
    station_webhook: str | None


@dataclass(frozen=True)
class Addresses:
    county_office: str
    standing_committee: str


@dataclass(frozen=True)
class PlannedNotification:
    dedupe_key: str
    kind: str
    audience: str
    channel: str
    recipient: str
    recipient_masked: str
    subject: str
    body: str


def plan(event_type: str, event_id: str, data: dict[str, Any], case: CaseInfo,
         own: Contact, followers: list[Contact], addresses: Addresses) -> list[PlannedNotification]:
    """The notifications one event causes. ``own`` is the case's submitter, ``followers`` the
    submitters of cases merged into it."""
    if event_type == "case_routed":
        return _receipt(case, own) + _to_station(event_id, "assignment", case, own, data)
    if event_type == "case_merged":
        return _to_submitters(event_id, "merged", case, [own], data)
    if event_type == "case_return_visited":
        if data["status"] != "reopened":
            return []
        return _to_submitters(event_id, "reopened", case, [own, *followers], data)
    if event_type in SUBMITTER_KIND:
        return _to_submitters(event_id, SUBMITTER_KIND[event_type], case, [own, *followers], data)
    if event_type in STATION_KIND:
        return _to_station(event_id, STATION_KIND[event_type], case, own, data)
    if event_type == "case_escalated":
        audience = ESCALATION_AUDIENCE.get(data["step"])
        if audience is None:
            return []
        address = getattr(addresses, audience)
        subject, body = render(data["step"], _staff_context(case, own, data))
        return [PlannedNotification(f"{event_id}:{data['step']}:{audience}", data["step"],
                                    audience, "email", address, address, subject, body)]
    return []


def _receipt(case: CaseInfo, own: Contact) -> list[PlannedNotification]:
    address = submitter_address(own)
    if address is None or case.station_name is None:
        return []
    channel, recipient, masked = address
    subject, body = render("receipt", {"tracking_number": case.case_id, "title": case.title,
                                       "station_name": case.station_name})
    return [PlannedNotification(f"{case.case_id}:receipt", "receipt", "submitter", channel,
                                recipient, masked, subject, body)]


def _to_submitters(event_id: str, kind: str, case: CaseInfo, contacts: list[Contact],
                   data: dict[str, Any]) -> list[PlannedNotification]:
    planned = []
    for contact in contacts:
        address = submitter_address(contact)
        if address is None:
            continue
        channel, recipient, masked = address
        subject, body = render(kind, {
            "tracking_number": case.case_id, "own_tracking_number": contact.case_id,
            "title": case.title, "station_name": case.station_name or "",
            "details": data.get("details") or {}, "status": data.get("status"),
        })
        planned.append(PlannedNotification(f"{event_id}:{kind}:{contact.case_id}", kind,
                                           "submitter", channel, recipient, masked, subject, body))
    return planned


def _to_station(event_id: str, kind: str, case: CaseInfo, own: Contact,
                data: dict[str, Any]) -> list[PlannedNotification]:
    station = data["station"] if kind == "assignment" else {
        "name": case.station_name, "contact_email": case.station_email,
        "webhook_url": case.station_webhook}
    context = _staff_context(case, own, data, station_name=station.get("name") or "")
    subject, body = render(kind, context)
    planned = []
    if station.get("contact_email"):
        planned.append(PlannedNotification(f"{event_id}:{kind}:station", kind, "station", "email",
                                           station["contact_email"], station["contact_email"],
                                           subject, body))
    if station.get("webhook_url"):
        planned.append(PlannedNotification(f"{event_id}:{kind}:webhook", kind, "station",
                                           "webhook", station["webhook_url"],
                                           station["webhook_url"], subject, body))
    return planned


def _staff_context(case: CaseInfo, own: Contact, data: dict[str, Any],
                   station_name: str | None = None) -> dict[str, Any]:
    deputies = "、".join(d["name"] for d in data.get("deputies", []))
    return {
        "tracking_number": case.case_id, "title": case.title, "channel": case.channel,
        "town": case.town, "submitter": submitter_for_staff(own),
        "content": mask_text(case.content)[:CONTENT_EXCERPT],
        "station_name": station_name or case.station_name or "", "reason": data.get("reason"),
        "deputies": deputies, "phase": data.get("phase"), "due_at": data.get("due_at"),
        "step": data.get("step"),
    }


def submitter_address(contact: Contact) -> tuple[str, str, str] | None:
    """(channel, address, masked address) for a submitter, or None if they cannot be reached."""
    if contact.anonymous:
        return None
    if contact.email:
        return "email", contact.email, mask_email(contact.email)
    if contact.phone:
        return "sms", contact.phone, mask_phone(contact.phone)
    return None


def submitter_for_staff(contact: Contact) -> str:
    if contact.anonymous:
        return "匿名"
    parts = [mask_name(contact.name) or "（未留姓名）"]
    if contact.phone:
        parts.append(mask_phone(contact.phone))
    if contact.submitter_type:
        parts.append(f"[{contact.submitter_type}]")
    return " ".join(parts)


def next_attempt_after(failed_attempts: int, now: datetime,
                       delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS) -> datetime | None:
    """When to try again after ``failed_attempts`` failures; None when it is time to give up
    (after ``len(delays) + 1`` attempts)."""
    if failed_attempts > len(delays):
        return None
    return now + timedelta(seconds=delays[failed_attempts - 1])
