"""The records of the deputies' archives, defined once: what staff hand the records desk (HTTP
and CLI) and, with the id and recorder it adds, the data of the event each record becomes.

Each record is a JSON object with ``type`` (one of :data:`RECORD_TYPES`), ``recorded_by``
``{name, role, station}`` and an optional ``record_id`` (the idempotency key: the same id twice
is one record); the rest is its fields below. Deputies are named by registry id or by name.
Unknown fields are refused at the desk; an event's data lets unknown fields through (a newer
producer may add one), like every event's.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from liaison.contracts.vocabulary import ROLES, SATISFACTION_LEVELS

DUTY_ACTIVITIES = ("reception", "visit", "inspection", "training", "group_activity")
SUGGESTION_RESULTS = ("resolved", "in_progress", "planned", "explained")
ARCHIVE_ITEMS = ("photo", "note", "award", "form", "other")
STATION_CADENCES = ("activity", "focus", "theme")

RECORD_ID = validate.Regexp(r"^[A-Za-z0-9._:/-]{1,100}$", error="1–100 of A-Za-z0-9._:/-")


def text_field(limit: int, required: bool = False) -> fields.String:
    if required:
        return fields.String(required=True, validate=validate.Length(1, limit))
    return fields.String(allow_none=True, validate=validate.Length(max=limit))


def url() -> fields.String:
    return fields.String(validate=[validate.URL(schemes={"http", "https"}),
                                   validate.Length(max=500)])


class Actor(Schema):
    name = text_field(50, required=True)
    role = fields.String(required=True, validate=validate.OneOf(sorted(ROLES)))
    station = fields.String(allow_none=True)


class Photo(Schema):
    url = url()
    caption = text_field(200)

    @validates_schema
    def _has_url(self, data, **_):
        if not data.get("url"):
            raise ValidationError("required", "url")


class Record(Schema):
    """What every record carries: its id (the desk makes one when none is given; an event always
    has it) and who recorded it."""

    record_id = fields.String(validate=RECORD_ID)
    recorded_by = fields.Nested(Actor, required=True)


DEPUTY_NAMES = fields.List(fields.String(validate=validate.Length(1, 64)), required=True,
                           validate=validate.Length(min=1, max=50))


class DutyRecord(Record):
    """A duty activity of one or more deputies (进站接待, 走访选民, 视察调研, …)."""

    activity = fields.String(required=True, validate=validate.OneOf(DUTY_ACTIVITIES))
    date = fields.Date(required=True)
    deputies = DEPUTY_NAMES
    station = fields.String(allow_none=True)
    title = text_field(200, required=True)
    place = text_field(200)
    summary = text_field(4000)
    constituents = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100000))
    photos = fields.List(fields.Nested(Photo), load_default=list,
                         validate=validate.Length(max=20))


class SuggestionRecord(Record):
    """A proposal (议案) or suggestion (建议) filed; ``deputies`` lead first."""

    form = fields.String(required=True, validate=validate.OneOf(["proposal", "suggestion"]))
    title = text_field(200, required=True)
    deputies = DEPUTY_NAMES
    filed_on = fields.Date(required=True)
    department = text_field(100)
    session = text_field(100)
    summary = text_field(4000)
    case_id = fields.String(allow_none=True, validate=validate.Length(max=32))  # its origin


class SuggestionAnswerRecord(Record):
    """The handling department's answer to a proposal or suggestion."""

    suggestion_id = fields.String(required=True, validate=RECORD_ID)
    answered_on = fields.Date(required=True)
    department = text_field(100, required=True)
    result = fields.String(required=True, validate=validate.OneOf(SUGGESTION_RESULTS))
    reply = text_field(4000, required=True)
    deputy_satisfaction = fields.String(allow_none=True,
                                        validate=validate.OneOf(SATISFACTION_LEVELS))


class Ratings(Schema):
    satisfied = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))
    basically_satisfied = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))
    dissatisfied = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))


class ConstituentReportRecord(Record):
    """A deputy's report to the constituents (述职), with their ratings."""

    deputy = fields.String(required=True, validate=validate.Length(1, 64))
    date = fields.Date(required=True)
    place = text_field(200)
    attendees = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100000))
    summary = text_field(4000)
    ratings = fields.Nested(Ratings, required=True)


class ItemRecord(Record):
    """A photo, duty note (履职笔记), award, registration form or other material."""

    item = fields.String(required=True, validate=validate.OneOf(ARCHIVE_ITEMS))
    deputies = DEPUTY_NAMES
    date = fields.Date(required=True)
    title = text_field(200, required=True)
    text = text_field(4000)
    url = url()
    caption = text_field(200)
    issuer = text_field(100)


class StationActivityRecord(Record):
    """A station's monthly activity, quarterly focus or annual theme (月月有活动、季季有重点、
    年年有主题); ``period`` is ``2026-11``, ``2026-Q4`` or ``2026``."""

    station = fields.String(required=True)
    cadence = fields.String(required=True, validate=validate.OneOf(STATION_CADENCES))
    period = fields.String(required=True, validate=validate.Regexp(
        r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$", error="2026, 2026-Q4 or 2026-11"))
    date = fields.Date(allow_none=True)
    title = text_field(200, required=True)
    summary = text_field(4000)
    deputies = fields.List(fields.String(validate=validate.Length(1, 64)), load_default=list)

    @validates_schema
    def _period_fits_cadence(self, data, **_):
        period, cadence = data.get("period", ""), data.get("cadence")
        shape = "theme" if len(period) == 4 else ("focus" if "-Q" in period else "activity")
        if cadence and shape != cadence:
            raise ValidationError({"activity": "a month (2026-11)", "focus": "a quarter (2026-Q4)",
                                   "theme": "a year (2026)"}[cadence] + f" for a {cadence}",
                                  "period")


# type → (event type, record schema, prefix of generated record ids)
RECORD_TYPES: dict[str, tuple[str, type[Record], str]] = {
    "duty": ("duty_recorded", DutyRecord, "duty"),
    "suggestion": ("suggestion_filed", SuggestionRecord, "sug"),
    "suggestion_answer": ("suggestion_answered", SuggestionAnswerRecord, "ans"),
    "constituent_report": ("constituent_report_held", ConstituentReportRecord, "rep"),
    "item": ("archive_item_added", ItemRecord, "item"),
    "station_activity": ("station_activity_recorded", StationActivityRecord, "act"),
}
# Free-text fields: phone numbers, e-mail addresses and ID numbers typed into them are masked
# before they reach an event or an archive (deputies' own names are public; constituents' are not).
FREE_TEXT = ("title", "summary", "place", "text", "reply", "caption")
