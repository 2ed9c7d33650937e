"""Intake's rules in plain Python: what a submission must be, and what a case number looks like."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import ValidationError

from liaison.contracts.county_time import local
from liaison.contracts.submission import MAX_BODY_BYTES, SubmissionSchema

TRACKING_PREFIX = "LS"  # 梁山 Liangshan
_SCHEMA = SubmissionSchema()  # built once: a marshmallow Schema copies its fields when made
ACCEPTED_CONTENT_TYPES = ("application/json",)


def tracking_number(received_at: datetime, sequence: int) -> str:
    """``LS-2026-000123``: the county prefix, the year of receipt (local time), a yearly sequence."""
    return f"{TRACKING_PREFIX}-{local(received_at).year}-{sequence:06d}"


def tracking_year(received_at: datetime) -> int:
    return local(received_at).year


class SubmissionRejected(Exception):
    """The submission cannot become a case; ``reasons`` maps each field (or ``_body``) to why."""

    def __init__(self, reasons: dict[str, Any], external_id: str | None = None):
        self.reasons = reasons
        self.external_id = external_id
        super().__init__(json.dumps(reasons, ensure_ascii=False, sort_keys=True))


@dataclass(frozen=True)
class Submission:
    """A validated submission: the loaded fields, and a fingerprint of its content."""

    fields: dict[str, Any]
    fingerprint: str

    @property
    def external_id(self) -> str:
        return self.fields["external_id"]


def parse_submission(body: bytes, content_type: str | None) -> Submission:
    """Bytes off the wire → a Submission, or SubmissionRejected with specific reasons."""
    document = decode_json_body(body, content_type)
    try:
        loaded = _SCHEMA.load(document)
    except ValidationError as exc:
        external_id = document.get("external_id")
        raise SubmissionRejected(
            exc.normalized_messages(),
            external_id if isinstance(external_id, str) and len(external_id) <= 100 else None,
        ) from None
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
    return Submission(loaded, hashlib.sha256(canonical.encode("utf-8")).hexdigest())


def decode_json_body(body: bytes, content_type: str | None) -> dict[str, Any]:
    if len(body) > MAX_BODY_BYTES:
        raise SubmissionRejected(
            {"_body": [f"too large: {len(body)} bytes, the limit is {MAX_BODY_BYTES}"]}
        )
    if content_type and content_type.split(";")[0].strip().lower() not in ACCEPTED_CONTENT_TYPES:
        raise SubmissionRejected(
            {"_content_type": [f"must be application/json, not {content_type[:100]!r}"]}
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionRejected(
            {"_body": [f"not valid UTF-8 (byte {exc.start}: {body[exc.start:exc.start + 1]!r})"]}
        ) from None
    text = text.removeprefix("\ufeff")
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise SubmissionRejected({"_body": ["JSON nested too deeply"]}) from None
    except ValueError as exc:
        raise SubmissionRejected({"_body": [f"not valid JSON: {exc}"]}) from None
    if not isinstance(document, dict):
        raise SubmissionRejected(
            {"_body": [f"must be a JSON object, not {type(document).__name__}"]}
        )
    return document


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed in JSON")


def body_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def actor_of(fields: dict[str, Any]) -> str:
    """Who opened the case, as history shows it: the kind of submitter and the channel, no name."""
    submitter = fields["submitter"]
    who = "anonymous" if submitter.get("anonymous") else submitter["type"]
    return f"{who} via {fields['channel']}"
