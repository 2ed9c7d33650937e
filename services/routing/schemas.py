"""The fields each staff action requires (the public contract of ``POST /api/cases/<n>/actions``)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from services.routing.rules.lifecycle import BASICALLY_SATISFIED, DISSATISFIED, ROLES, SATISFIED


def _text(max_length: int, required: bool = True) -> fields.String:
    validators = [validate.Length(min=1 if required else 0, max=max_length)]
    return fields.String(required=required, validate=validators,
                         load_default=None if not required else fields.missing_)


class ActorSchema(Schema):
    class Meta:
        unknown = RAISE

    name = _text(50)
    role = fields.String(required=True, validate=validate.OneOf(sorted(ROLES)))
    station = fields.String(load_default=None, allow_none=True)


class _Details(Schema):
    class Meta:
        unknown = RAISE


class NoDetails(_Details):
    note = _text(500, required=False)


class Answer(_Details):
    answer = _text(2000)


class Deliberate(_Details):
    topic = _text(200)
    meeting_date = fields.Date(required=True)
    participants = fields.List(_text(50), required=True, validate=validate.Length(min=1, max=100))


class RecordOutcome(_Details):
    outcome = _text(4000)
    participants = fields.List(_text(50), load_default=list)


class Forward(_Details):
    department = _text(100)
    request = _text(2000)
    due_date = fields.Date(required=True)


class Suggest(_Details):
    suggestion = _text(200)
    department = _text(100)
    due_date = fields.Date(required=True)


class RecordReply(_Details):
    department = _text(100)
    reply = _text(4000)
    attachments = fields.List(fields.Url(schemes={"http", "https"}), load_default=list,
                              validate=validate.Length(max=10))


class Resolve(_Details):
    summary = _text(2000)


class Decline(_Details):
    reason = _text(500)
    to_station = fields.String(load_default=None, allow_none=True)


class Reassign(_Details):
    reason = _text(500)
    to_station = fields.String(required=True)


class ReturnVisit(_Details):
    satisfaction = fields.String(required=True, validate=validate.OneOf(
        [SATISFIED, BASICALLY_SATISFIED, DISSATISFIED]))
    comment = _text(1000, required=False)


class Merge(_Details):
    into = fields.String(required=True, validate=validate.Regexp(r"^LS-\d{4}-\d{6}$"))


class Pause(_Details):
    reason = _text(500)


class Extend(_Details):
    reason = _text(500)
    approved_by = _text(50)
    working_days = fields.Integer(required=True, validate=validate.Range(min=1, max=60))


DETAILS: dict[str, type[Schema]] = {
    "accept": NoDetails, "answer": Answer, "deliberate": Deliberate,
    "record_outcome": RecordOutcome, "forward": Forward, "suggest": Suggest,
    "record_reply": RecordReply, "resolve": Resolve, "decline": Decline, "reassign": Reassign,
    "return_visit": ReturnVisit, "merge": Merge, "pause": Pause, "resume": NoDetails,
    "extend": Extend,
}


class ActionRequestSchema(Schema):
    """``{"action": "forward", "actor": {...}, "details": {...}}``"""

    class Meta:
        unknown = RAISE

    action = fields.String(required=True, validate=validate.OneOf(sorted(DETAILS)))
    actor = fields.Nested(ActorSchema, required=True)
    details = fields.Dict(load_default=dict)
