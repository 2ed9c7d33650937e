"""Notify's rules: who is told what when a case is routed, and how often delivery is retried.

* The submitter gets a receipt (tracking number, station), by e-mail if they gave an address,
  else by SMS; an anonymous submitter gets nothing (there is no one to address).
* The station's staff get an assignment notice at the station's address, with the submitter's
  name and phone masked (or "匿名" for an anonymous submitter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from liaison.privacy import mask_email, mask_name, mask_phone, mask_text
from services.notify.rendering import render

# Delay before attempt n+1 after n failed attempts; after the last, the notification has failed.
RETRY_DELAYS = (
    timedelta(seconds=10),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
)
MAX_DELIVERY_ATTEMPTS = len(RETRY_DELAYS) + 1
# A claim older than this belongs to a process that died mid-send: deliver again.
STALE_CLAIM = timedelta(minutes=2)

CONTENT_EXCERPT = 500


@dataclass(frozen=True)
class Contact:
    anonymous: bool
    name: str | None
    phone: str | None
    email: str | None
    submitter_type: str | None


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


def plan_for_routed_case(
    case: dict[str, Any], routed: dict[str, Any], contact: Contact, routed_event_id: str
) -> list[PlannedNotification]:
    """The notifications one ``case_routed`` causes; ``case`` holds tracking_number, title,
    channel, town and content."""
    tracking = case["tracking_number"]
    station = routed["station"]
    planned: list[PlannedNotification] = []
    receipt_to = submitter_address(contact)
    if receipt_to is not None:
        channel, recipient, masked = receipt_to
        subject, body = render("receipt", {
            "tracking_number": tracking, "title": case["title"], "station_name": station["name"],
        })
        planned.append(PlannedNotification(f"{tracking}:receipt", "receipt", "submitter", channel,
                                           recipient, masked, subject, body))
    if station.get("contact_email"):
        subject, body = render("assignment", {
            "tracking_number": tracking,
            "title": case["title"],
            "channel": case["channel"],
            "town": case.get("town"),
            "submitter": submitter_for_staff(contact),
            "content": mask_text(case["content"])[:CONTENT_EXCERPT],
            "station_name": station["name"],
            "reason": routed["reason"],
            "deputies": "、".join(d["name"] for d in routed.get("deputies", [])),
        })
        planned.append(PlannedNotification(
            f"{routed_event_id}:assignment", "assignment", "station", "email",
            station["contact_email"], station["contact_email"], subject, body))
    return planned


def submitter_address(contact: Contact) -> tuple[str, str, str] | None:
    """(channel, address, masked address) for the submitter, or None if they cannot be reached."""
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


def next_attempt_after(failed_attempts: int, now: datetime) -> datetime | None:
    """When to try again after ``failed_attempts`` failures; None when it is time to give up."""
    if failed_attempts >= MAX_DELIVERY_ATTEMPTS:
        return None
    return now + RETRY_DELAYS[failed_attempts - 1]
