"""What the archive accepts from the county office besides records: the deputy registry document
(the records themselves are a shared contract: ``liaison/contracts/records.py``)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from liaison.contracts.records import text_field as _text
from liaison.contracts.vocabulary import DEPUTY_LEVELS, STATION_KINDS

ID = validate.Regexp(r"^[A-Za-z0-9._:/\-\u00b7\u4e00-\u9fff]{1,64}$",
                     error="1–64 letters, digits, Chinese characters or ._:/-")


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
    kind = fields.String(required=True, validate=validate.OneOf(STATION_KINDS))
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
