"""Property tests of intake's rules, in process: whatever the bytes, ``parse_submission`` returns
a valid submission or raises ``SubmissionRejected`` with reasons, and nothing else."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings

from services.intake.rules.submission import Submission, SubmissionRejected, parse_submission
from tests.fuzz.conftest import OUTCOMES
from tests.fuzz.payloads import bodies, valid_submission

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_DOMAIN_EXAMPLES", "1500"))
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))


def judge(body: bytes, content_type: str | None) -> tuple[str, Submission | SubmissionRejected]:
    try:
        return "accepted", parse_submission(body, content_type)
    except SubmissionRejected as rejected:
        return "rejected", rejected


@FUZZ_SETTINGS
@given(bodies())
def test_any_payload_is_a_submission_or_a_rejection_with_reasons(payload):
    kind, body, content_type = payload
    outcome, result = judge(body, content_type)  # anything else raised fails the test
    OUTCOMES["in-process parse_submission", kind, outcome] += 1
    if isinstance(result, SubmissionRejected):
        assert result.reasons and isinstance(result.reasons, dict)
        json.dumps(result.reasons, ensure_ascii=False)  # recordable and announceable
        assert result.external_id is None or len(result.external_id) <= 100
    else:
        assert len(body) <= 64 * 1024
        assert 1 <= len(result.fields["title"]) <= 100
        assert 1 <= len(result.fields["content"]) <= 4000
        assert len(result.fields["attachments"]) <= 10


@settings(max_examples=max(EXAMPLES // 5, 50), deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(valid_submission())
def test_a_valid_submission_is_accepted_and_its_text_kept_exactly(doc):
    body = json.dumps(doc, ensure_ascii=False).encode()
    submission = parse_submission(body, "application/json; charset=utf-8")
    OUTCOMES["in-process valid submissions", "valid", "accepted"] += 1
    for name in ("external_id", "title", "content", "channel"):
        assert submission.fields[name] == doc[name]  # script tags and all: stored, not interpreted
