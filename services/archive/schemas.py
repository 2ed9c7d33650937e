"""What the archive accepts from staff (HTTP and CLI): the deputy registry document and the records
of duties, suggestions, reports to constituents, archive items and station activities.

Each record is a JSON object with ``type`` (one of :data:`RECORD_TYPES`), ``recorded_by``
``{name, role, station}`` and an optional ``record_id`` (the idempotency key: the same id twice
is one record); the rest is the fields of its event in ``liaison/events.py``. Deputies are named
by registry id or by name. Unknown fields are refused.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from liaison.events import (
    ARCHIVE_ITEMS,
    DEPUTY_LEVELS,
    DUTY_ACTIVITIES,
    SATISFACTION_LEVELS,
    STATION_CADENCES,
    SUGGESTION_RESULTS,
)

ID = validate.Regexp(r"^[A-Za-z0-9._:/\-\u00b7\u4e00-\u9fff]{1,64}$",
                     error="1–64 letters, digits, Chinese characters or ._:/-")
RECORD_ID = validate.Regexp(r"^[A-Za-z0-9._:/-]{1,100}$", error="1–100 of A-Za-z0-9._:/-")
ROLES = ("staff", "deputy", "county_office")


def _text(limit: int, required: bool = False) -> fields.String:
    if required:
        return fields.String(required=True, validate=validate.Length(1, limit))
    return fields.String(allow_none=True, validate=validate.Length(max=limit))


def url() -> fields.String:
    return fields.String(validate=[validate.URL(schemes={"http", "https"}),
                                   validate.Length(max=500)])


# --- the registry ----------------------------------------------------------------------------


class TermInput(Schema):
    code = fields.String(required=True, validate=ID)
    name = _text(100)
    start = fields.Date(required=True)
    end = fields.Date(required=True)

    @validates_schema
    def _order(self, data, **_):
        if data["end"] < data["start"]:
            raise ValidationError("a term ends after it starts", "end")


class StationInput(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$"))
    name = _text(100, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["town", "industry", "triage"]))
    town = _text(50)
    feature = _text(100)


class DeputyInput(Schema):
    id = fields.String(validate=ID)  # default: the name
    name = _text(50, required=True)
    level = fields.String(required=True, validate=validate.OneOf(DEPUTY_LEVELS))
    group = _text(100)
    stations = fields.List(fields.String(), load_default=list)
    profession = _text(100)
    term = fields.Nested(TermInput, required=True)
    active = fields.Boolean(load_default=True)
    details = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)


class RegistryDocument(Schema):
    """``{"stations": [...], "deputies": [...]}``: the registry as the operator holds it."""

    stations = fields.List(fields.Nested(StationInput), load_default=list)
    deputies = fields.List(fields.Nested(DeputyInput), load_default=list)


# --- records ---------------------------------------------------------------------------------


class ActorInput(Schema):
    name = _text(50, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    station = fields.String(allow_none=True)


class PhotoInput(Schema):
    url = url()
    caption = _text(200)

    @validates_schema
    def _has_url(self, data, **_):
        if not data.get("url"):
            raise ValidationError("required", "url")


class RecordInput(Schema):
    record_id = fields.String(validate=RECORD_ID)
    recorded_by = fields.Nested(ActorInput, required=True)


DEPUTY_NAMES = fields.List(fields.String(validate=validate.Length(1, 64)), required=True,
                           validate=validate.Length(min=1, max=50))


class DutyInput(RecordInput):
    activity = fields.String(required=True, validate=validate.OneOf(DUTY_ACTIVITIES))
    date = fields.Date(required=True)
    deputies = DEPUTY_NAMES
    station = fields.String(allow_none=True)
    title = _text(200, required=True)
    place = _text(200)
    summary = _text(4000)
    constituents = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100000))
    photos = fields.List(fields.Nested(PhotoInput), load_default=list,
                         validate=validate.Length(max=20))


class SuggestionInput(RecordInput):
    form = fields.String(required=True, validate=validate.OneOf(["proposal", "suggestion"]))
    title = _text(200, required=True)
    deputies = DEPUTY_NAMES
    filed_on = fields.Date(required=True)
    department = _text(100)
    session = _text(100)
    summary = _text(4000)
    case_id = fields.String(allow_none=True, validate=validate.Length(max=32))


class SuggestionAnswerInput(RecordInput):
    suggestion_id = fields.String(required=True, validate=RECORD_ID)
    answered_on = fields.Date(required=True)
    department = _text(100, required=True)
    result = fields.String(required=True, validate=validate.OneOf(SUGGESTION_RESULTS))
    reply = _text(4000, required=True)
    deputy_satisfaction = fields.String(allow_none=True,
                                        validate=validate.OneOf(SATISFACTION_LEVELS))


class RatingsInput(Schema):
    satisfied = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))
    basically_satisfied = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))
    dissatisfied = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))


class ConstituentReportInput(RecordInput):
    deputy = fields.String(required=True, validate=validate.Length(1, 64))
    date = fields.Date(required=True)
    place = _text(200)
    attendees = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100000))
    summary = _text(4000)
    ratings = fields.Nested(RatingsInput, required=True)


class ItemInput(RecordInput):
    item = fields.String(required=True, validate=validate.OneOf(ARCHIVE_ITEMS))
    deputies = DEPUTY_NAMES
    date = fields.Date(required=True)
    title = _text(200, required=True)
    text = _text(4000)
    url = url()
    caption = _text(200)
    issuer = _text(100)


class StationActivityInput(RecordInput):
    station = fields.String(required=True)
    cadence = fields.String(required=True, validate=validate.OneOf(STATION_CADENCES))
    period = fields.String(required=True, validate=validate.Regexp(
        r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$", error="2026, 2026-Q4 or 2026-11"))
    date = fields.Date(allow_none=True)
    title = _text(200, required=True)
    summary = _text(4000)
    deputies = fields.List(fields.String(validate=validate.Length(1, 64)), load_default=list)

    @validates_schema
    def _period_fits_cadence(self, data, **_):
        period, cadence = data.get("period", ""), data.get("cadence")
        shape = "theme" if len(period) == 4 else ("focus" if "-Q" in period else "activity")
        if cadence and shape != cadence:
            raise ValidationError({"activity": "a month (2026-11)", "focus": "a quarter (2026-Q4)",
                                   "theme": "a year (2026)"}[cadence] + f" for a {cadence}",
                                  "period")


# type → (event type, input schema, prefix of generated record ids)
RECORD_TYPES: dict[str, tuple[str, type[RecordInput], str]] = {
    "duty": ("duty_recorded", DutyInput, "duty"),
    "suggestion": ("suggestion_filed", SuggestionInput, "sug"),
    "suggestion_answer": ("suggestion_answered", SuggestionAnswerInput, "ans"),
    "constituent_report": ("constituent_report_held", ConstituentReportInput, "rep"),
    "item": ("archive_item_added", ItemInput, "item"),
    "station_activity": ("station_activity_recorded", StationActivityInput, "act"),
}
# Free-text fields: phone numbers, e-mail addresses and ID numbers typed into them are masked
# before they reach an event or an archive (deputies' own names are public; constituents' are not).
FREE_TEXT = ("title", "summary", "place", "text", "reply", "caption")
