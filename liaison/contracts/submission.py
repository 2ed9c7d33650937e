"""The submission contract: what an external form sends (README, "Submitting a concern")."""

from __future__ import annotations

import re

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

MAX_BODY_BYTES = 64 * 1024
MAX_TITLE = 100
MAX_CONTENT = 4000
MAX_ATTACHMENTS = 10

CHANNELS = ("web_form", "wechat", "hotline", "visit", "enterprise_form", "letter", "email", "app")
SUBMITTER_TYPES = ("resident", "enterprise", "cooperative", "village_committee")

_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")


def _no_control_chars(value: str) -> None:
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
        raise ValidationError("must not contain control characters")


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


class Text(fields.String):
    """A string stored exactly as given, refusing control characters (NUL and the like)."""

    def __init__(self, *, max_length: int, required: bool = False, blank: bool = True, **kwargs):
        validators = [validate.Length(max=max_length), _no_control_chars]
        if not blank:
            validators.append(_not_blank)
        super().__init__(required=required, validate=validators, **kwargs)


class SubmitterSchema(Schema):
    class Meta:
        unknown = RAISE

    name = Text(max_length=50, allow_none=True)
    phone = fields.String(allow_none=True, validate=validate.Length(max=20))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    type = fields.String(required=True, validate=validate.OneOf(SUBMITTER_TYPES))
    enterprise_name = Text(max_length=100, allow_none=True)
    anonymous = fields.Boolean(load_default=False)

    @validates("phone")
    def _phone(self, value: str | None, **_) -> None:
        if value is None:
            return
        compact = value.replace(" ", "")
        if not (_MOBILE.match(compact) or _LANDLINE.match(compact)):
            raise ValidationError(
                "not a phone number (a mobile like 13812345678 or a landline like 0537-7321234)"
            )

    @validates_schema
    def _identity(self, data: dict, **_) -> None:
        if data.get("anonymous"):
            return
        errors: dict[str, list[str]] = {}
        if not (data.get("name") or "").strip():
            errors["name"] = ["required unless the submitter is anonymous"]
        if not data.get("phone") and not data.get("email"):
            errors["phone"] = ["a phone number or an e-mail address is required unless anonymous"]
        if data.get("type") == "enterprise" and not (data.get("enterprise_name") or "").strip():
            errors["enterprise_name"] = ["required when the submitter is an enterprise"]
        if errors:
            raise ValidationError(errors)


class LocationSchema(Schema):
    class Meta:
        unknown = RAISE

    address = Text(max_length=200, allow_none=True)
    lat = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    lng = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))


class SubmissionSchema(Schema):
    """One concern (诉求) as submitted. Unknown fields are refused, so typos do not pass silently."""

    class Meta:
        unknown = RAISE

    external_id = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=100),
            validate.Regexp(_EXTERNAL_ID, error="letters, digits and . _ : / - only"),
        ],
    )
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    submitter = fields.Nested(SubmitterSchema, required=True)
    town = Text(max_length=50, allow_none=True)
    title = Text(max_length=MAX_TITLE, required=True, blank=False)
    content = Text(max_length=MAX_CONTENT, required=True, blank=False)
    category = Text(max_length=50, allow_none=True)
    location = fields.Nested(LocationSchema, allow_none=True)
    attachments = fields.List(
        fields.Url(schemes={"http", "https"}, validate=validate.Length(max=2000)),
        load_default=list,
        validate=validate.Length(max=MAX_ATTACHMENTS),
    )
    submitted_at = fields.AwareDateTime(required=True)
