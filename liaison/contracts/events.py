"""Every event of the system, defined once: the envelope and the schema of each event's data.

Publishers build events with :func:`new_event` (validated before it reaches the outbox); consumers
read them with :func:`parse_event` (validated again, so a malformed message is refused with a
specific reason instead of half-processed). The README's "Events" section documents the same.

Envelope (JSON, ``application/json``, persistent, AMQP ``message_id`` = ``event_id``)::

    {"event_id": uuid, "event_type": str, "schema_version": int, "case_id": str | null,
     "occurred_at": ISO 8601 with zone, "producer": service, "actor": str, "data": {...}}

Exchanges: ``<producer>.events`` (topic, durable); routing key: ``event_type``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, validate

from liaison.contracts import records
from liaison.contracts.vocabulary import DEPUTY_LEVELS

SCHEMA_VERSION = 1


class EventSchemaError(ValueError):
    """A message that is not a valid event of a known type; carries the per-field reasons."""

    def __init__(self, reasons: dict[str, Any]):
        self.reasons = reasons
        super().__init__(json.dumps(reasons, ensure_ascii=False, sort_keys=True))


# --- event data ----------------------------------------------------------------------------


class Data(Schema):
    """Event data, at every level of nesting, lets fields it does not know through: a newer
    producer may add one (say ``webhook_url``) while older consumers still run (a rolling upgrade)
    without their parking every such event as invalid."""

    class Meta:
        unknown = INCLUDE


class SubmitterData(Data):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    type = fields.String(required=True)
    enterprise_name = fields.String(allow_none=True)
    anonymous = fields.Boolean(required=True)


class LocationData(Data):
    address = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)


class CaseOpenedData(Data):
    """intake → a valid submission became a case (``case_id`` = tracking number)."""

    tracking_number = fields.String(required=True)
    external_id = fields.String(required=True)
    channel = fields.String(required=True)
    submitter = fields.Nested(SubmitterData, required=True)
    town = fields.String(allow_none=True)
    title = fields.String(required=True)
    content = fields.String(required=True)
    category = fields.String(allow_none=True)
    location = fields.Nested(LocationData, allow_none=True)
    attachments = fields.List(fields.String(), load_default=list)
    submitted_at = fields.AwareDateTime(required=True)
    received_at = fields.AwareDateTime(required=True)
    source = fields.String(required=True, validate=validate.OneOf(["amqp", "http"]))


class SubmissionRejectedData(Data):
    """intake → a submission could not be accepted; ``case_id`` is null."""

    rejection_id = fields.Integer(required=True)
    external_id = fields.String(allow_none=True)
    source = fields.String(required=True)
    reasons = fields.Dict(required=True)
    body_sha256 = fields.String(required=True)
    received_at = fields.AwareDateTime(required=True)


class StationData(Data):
    code = fields.String(required=True)
    name = fields.String(required=True)
    contact_email = fields.String(allow_none=True)
    webhook_url = fields.String(allow_none=True)


class DeputyData(Data):
    name = fields.String(required=True)
    profession = fields.String(allow_none=True)
    level = fields.String(allow_none=True)


class CaseRoutedData(Data):
    """routing → the station that takes the case, who is on duty there, and why."""

    station = fields.Nested(StationData, required=True)
    deputies = fields.List(fields.Nested(DeputyData), required=True)
    rule = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1))
    town = fields.String(allow_none=True)
    town_source = fields.String(allow_none=True)
    matched = fields.List(fields.String(), load_default=list)
    category = fields.String(allow_none=True)
    previous_station = fields.String(allow_none=True)  # set when re-routed
    deadlines = fields.Dict(load_default=dict)  # phase -> due time (ISO 8601)


class ActorData(Data):
    name = fields.String(required=True)
    role = fields.String(required=True)
    station = fields.String(allow_none=True)


class CaseTransitionData(Data):
    """routing → a staff action moved the case (routing's lifecycle rules say which)."""

    action = fields.String(required=True)
    status_before = fields.String(required=True)
    status = fields.String(required=True)
    station = fields.String(required=True)
    actor = fields.Nested(ActorData, required=True)
    details = fields.Dict(required=True)
    deadlines = fields.Dict(load_default=dict)
    paused = fields.Boolean(load_default=False)
    new_station = fields.String(allow_none=True)


class DeadlineData(Data):
    """routing → a time limit is near (yellow) or passed (red), and each step of the ladder."""

    phase = fields.String(required=True)
    step = fields.String(required=True, validate=validate.OneOf(
        ["warning", "reminder", "supervise", "report"]))
    level = fields.String(required=True, validate=validate.OneOf(["yellow", "red"]))
    due_at = fields.AwareDateTime(required=True)
    station = fields.String(required=True)
    status = fields.String(required=True)


class CaseAnonymizedData(Data):
    """routing → the case was closed more than the retention period ago: every service now erases
    the submitter's personal data from its copies (statistics and deputies' archives stay)."""

    closed_at = fields.AwareDateTime(required=True)
    retention_days = fields.Integer(required=True)


class NotificationData(Data):
    """notify → one notification's outcome (recipient masked: events are not for personal data)."""

    notification_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    audience = fields.String(required=True, validate=validate.OneOf(
        ["submitter", "station", "county_office", "standing_committee"]))
    channel = fields.String(required=True)
    recipient = fields.String(required=True)
    attempts = fields.Integer(required=True)
    error = fields.String(allow_none=True)


# --- deputies' archives (the archive service): the registry and what staff record ----------

class TermData(Data):
    code = fields.String(required=True)
    name = fields.String(allow_none=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)


class DeputyRegisteredData(Data):
    """archive → a deputy entered the registry (``deputy_registered``) or a registered deputy's
    facts changed (``deputy_updated``; ``changes`` names the fields). ``version`` counts changes."""

    deputy_id = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(DEPUTY_LEVELS))
    group = fields.String(allow_none=True)
    stations = fields.List(fields.String(), required=True)
    profession = fields.String(allow_none=True)
    term = fields.Nested(TermData, required=True)
    active = fields.Boolean(required=True)
    details = fields.Dict(load_default=dict)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    changes = fields.List(fields.String(), load_default=list)


class StationRegisteredData(Data):
    """archive → a station entered the archive's registry, or its facts changed."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    town = fields.String(allow_none=True)
    feature = fields.String(allow_none=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    changes = fields.List(fields.String(), load_default=list)


class RecordedData(Data):
    """Every record's event carries its id, whatever the desk was given; nested parts, like all
    event data, let fields they do not know through."""

    record_id = fields.String(required=True)
    recorded_by = fields.Nested(records.Actor, required=True, unknown=INCLUDE)


def _record_event(record: type[Schema], **extra: fields.Field) -> type[Schema]:
    """The data of a record's event: the record's own fields (``liaison/contracts/records.py``,
    defined once), its id required, and what the desk adds (``extra``)."""
    doc = f"archive → recorded at the desk: {(record.__doc__ or '').strip()}"
    return type(f"{record.__name__}Event", (RecordedData, record), {**extra, "__doc__": doc})


DutyRecordedData = _record_event(records.DutyRecord, photos=fields.List(
    fields.Nested(records.Photo, unknown=INCLUDE), load_default=list))
SuggestionFiledData = _record_event(records.SuggestionRecord)
# The desk names the suggestion's deputies on its answer, so each archive gets the entry.
SuggestionAnsweredData = _record_event(records.SuggestionAnswerRecord,
                                       deputies=fields.List(fields.String(), required=True))
ConstituentReportData = _record_event(records.ConstituentReportRecord, ratings=fields.Nested(
    records.Ratings, required=True, unknown=INCLUDE))
ArchiveItemData = _record_event(records.ItemRecord)
StationActivityData = _record_event(records.StationActivityRecord)


# The archive's own events, on ``archive.events``: the registry and what staff record. The archive
# consumes them itself (queue ``archive.records``) to build the deputies' archives.
ARCHIVE_RECORD_EVENTS: dict[str, type[Schema]] = {
    "deputy_registered": DeputyRegisteredData,
    "deputy_updated": DeputyRegisteredData,
    "station_registered": StationRegisteredData,
    "station_updated": StationRegisteredData,
    "duty_recorded": DutyRecordedData,
    "suggestion_filed": SuggestionFiledData,
    "suggestion_answered": SuggestionAnsweredData,
    "constituent_report_held": ConstituentReportData,
    "archive_item_added": ArchiveItemData,
    "station_activity_recorded": StationActivityData,
}


# The staff actions' events (one per action of routing's lifecycle).
TRANSITION_EVENTS = (
    "case_accepted", "case_answered", "case_deliberation_scheduled", "case_deliberated",
    "case_forwarded", "case_suggested", "case_department_replied", "case_resolved",
    "case_declined", "case_reassigned", "case_return_visited", "case_merged",
    "case_clock_paused", "case_clock_resumed", "case_deadline_extended",
)
DEADLINE_EVENTS = ("case_deadline_warning", "case_overdue", "case_escalated")

DATA_SCHEMAS: dict[str, type[Schema]] = {
    "case_opened": CaseOpenedData,
    "submission_rejected": SubmissionRejectedData,
    "case_routed": CaseRoutedData,
    **{name: CaseTransitionData for name in TRANSITION_EVENTS},
    **{name: DeadlineData for name in DEADLINE_EVENTS},
    "case_anonymized": CaseAnonymizedData,
    "notification_sent": NotificationData,
    "notification_failed": NotificationData,
    **ARCHIVE_RECORD_EVENTS,
}

# Which service publishes which event: the exchange is ``<producer>.events``.
PRODUCERS: dict[str, str] = {
    "case_opened": "intake",
    "submission_rejected": "intake",
    "case_routed": "routing",
    **{name: "routing" for name in (*TRANSITION_EVENTS, *DEADLINE_EVENTS, "case_anonymized")},
    "notification_sent": "notify",
    "notification_failed": "notify",
    **{name: "archive" for name in ARCHIVE_RECORD_EVENTS},
}


class EnvelopeSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # newer producers may add envelope fields

    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True, validate=validate.OneOf(sorted(DATA_SCHEMAS)))
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1, max=SCHEMA_VERSION))
    case_id = fields.String(allow_none=True, required=True)
    occurred_at = fields.AwareDateTime(required=True)
    producer = fields.String(required=True)
    actor = fields.String(required=True)
    data = fields.Dict(required=True)


# --- the event object ----------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    event_id: str
    event_type: str
    case_id: str | None
    occurred_at: datetime
    producer: str
    actor: str
    data: dict[str, Any]
    schema_version: int = SCHEMA_VERSION
    headers: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def exchange(self) -> str:
        return f"{self.producer}.events"

    @property
    def routing_key(self) -> str:
        return self.event_type

    def to_json(self) -> str:
        return json.dumps(
            {
                "event_id": self.event_id,
                "event_type": self.event_type,
                "schema_version": self.schema_version,
                "case_id": self.case_id,
                "occurred_at": self.occurred_at.isoformat(),
                "producer": self.producer,
                "actor": self.actor,
                "data": self.data,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )


def new_event(
    event_type: str,
    case_id: str | None,
    data: dict[str, Any],
    actor: str,
    occurred_at: datetime | None = None,
) -> Event:
    """Build and validate an event; raises EventSchemaError if ``data`` does not fit its schema."""
    plain = to_jsonable(data)
    errors = _data_schema(event_type).validate(plain)
    if errors:
        raise EventSchemaError({"data": errors})
    return Event(
        event_id=str(uuid.uuid4()),
        event_type=event_type,
        case_id=case_id,
        occurred_at=occurred_at or datetime.now(UTC),
        producer=PRODUCERS[event_type],
        actor=actor,
        data=plain,
    )


def parse_event(body: bytes | str | dict[str, Any]) -> Event:
    """Validate a received message body; raises EventSchemaError naming what is wrong."""
    if isinstance(body, bytes):
        try:  # the contract is UTF-8; json.loads alone would also take UTF-16 and UTF-32
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EventSchemaError({"_body": [f"not UTF-8: {exc}"]}) from None
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError as exc:
            raise EventSchemaError({"_body": [f"not JSON: {exc}"]}) from None
    if not isinstance(body, dict):
        raise EventSchemaError({"_body": ["an event must be a JSON object"]})
    try:
        envelope = _ENVELOPE.load(body)
    except ValidationError as exc:
        raise EventSchemaError(exc.normalized_messages()) from None
    try:
        _data_schema(envelope["event_type"]).load(envelope["data"])
    except ValidationError as exc:
        raise EventSchemaError({"data": exc.normalized_messages()}) from None
    return Event(
        event_id=str(envelope["event_id"]),
        event_type=envelope["event_type"],
        case_id=envelope["case_id"],
        occurred_at=envelope["occurred_at"],
        producer=envelope["producer"],
        actor=envelope["actor"],
        data=envelope["data"],
        schema_version=envelope["schema_version"],
    )


# Schemas are built once: making a marshmallow Schema copies all its fields, and this runs for every
# event published and consumed.
_ENVELOPE = EnvelopeSchema()
_DATA: dict[str, Schema] = {}


def _data_schema(event_type: str) -> Schema:
    schema = _DATA.get(event_type)
    if schema is None:
        try:
            schema = _DATA[event_type] = DATA_SCHEMAS[event_type](unknown=INCLUDE)
        except KeyError:
            raise EventSchemaError(
                {"event_type": [f"unknown event type {event_type!r}"]}) from None
    return schema


def to_jsonable(value: Any) -> Any:
    """Dates and datetimes to ISO strings, recursively; the rest as is."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value
