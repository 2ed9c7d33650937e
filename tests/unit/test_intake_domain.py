"""Intake's rules: each kind of invalid submission gets its own clear reason; case numbers."""

import json
from datetime import UTC, datetime

import pytest

from liaison.contracts.submission import MAX_BODY_BYTES
from services.intake.rules.submission import SubmissionRejected, actor_of, parse_submission, tracking_number


def valid(**changes):
    doc = {
        "external_id": "form-42",
        "channel": "wechat",
        "submitter": {"name": "王小明", "phone": "13812345678", "type": "resident"},
        "town": "水泊街道",
        "title": "石头园村污水横流",
        "content": "村内污水管网设置不规范，生活污水经常横流。",
        "submitted_at": "2026-11-20T09:15:00+08:00",
    }
    doc.update(changes)
    return doc


def encode(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def reasons_of(body: bytes, content_type="application/json") -> dict:
    with pytest.raises(SubmissionRejected) as caught:
        parse_submission(body, content_type)
    return caught.value.reasons


def test_a_valid_submission_is_loaded_as_given():
    submission = parse_submission(encode(valid(title="<script>alert(1)</script>")), None)
    assert submission.external_id == "form-42"
    assert submission.fields["title"] == "<script>alert(1)</script>"  # stored as given
    assert submission.fields["submitted_at"] == datetime(2026, 11, 20, 1, 15, tzinfo=UTC)


def test_bad_json():
    assert reasons_of(b'{"external_id": "x",')["_body"][0].startswith("not valid JSON")


def test_not_utf8():
    assert "not valid UTF-8" in reasons_of("标题".encode("gbk"))["_body"][0]


def test_oversize_body():
    big = encode(valid(content="长" * (MAX_BODY_BYTES // 2)))
    assert reasons_of(big)["_body"][0].startswith("too large")


def test_not_an_object():
    assert reasons_of(b"[1, 2]") == {"_body": ["must be a JSON object, not list"]}


def test_nan_is_refused():
    assert "NaN is not allowed" in reasons_of(b'{"a": NaN}')["_body"][0]


def test_deep_nesting_is_refused_not_crashing():
    body = b'{"a":' * 30000 + b"1" + b"}" * 30000
    reasons = reasons_of(body[:MAX_BODY_BYTES])
    assert "_body" in reasons


def test_wrong_content_type():
    assert "_content_type" in reasons_of(encode(valid()), "text/plain")


def test_missing_fields_are_each_named():
    reasons = reasons_of(encode({"external_id": "x"}))
    for name in ("channel", "submitter", "title", "content", "submitted_at"):
        assert reasons[name] == ["Missing data for required field."]


def test_wrong_types():
    reasons = reasons_of(encode(valid(external_id=7, title=["a"], attachments="x")))
    assert reasons["external_id"] == ["Not a valid string."]
    assert reasons["title"] == ["Not a valid string."]
    assert reasons["attachments"] == ["Not a valid list."]


def test_field_limits():
    reasons = reasons_of(encode(valid(title="长" * 101, content="x" * 4001)))
    assert reasons["title"] == ["Longer than maximum length 100."]
    assert reasons["content"] == ["Longer than maximum length 4000."]


def test_naive_timestamp_is_refused():
    assert reasons_of(encode(valid(submitted_at="2026-11-20T09:15:00")))["submitted_at"] == [
        "Not a valid aware datetime."]


def test_unknown_fields_are_refused():
    assert reasons_of(encode(valid(priority="high")))["priority"] == ["Unknown field."]


def test_control_characters_are_refused():
    assert reasons_of(encode(valid(title="a\x00b")))["title"] == [
        "must not contain control characters"]


def test_named_submitter_needs_name_and_contact():
    reasons = reasons_of(encode(valid(submitter={"type": "resident"})))
    assert reasons["submitter"]["name"] == ["required unless the submitter is anonymous"]
    assert "phone" in reasons["submitter"]


def test_enterprise_needs_its_name():
    doc = valid(submitter={"type": "enterprise", "name": "李四", "phone": "13912345678"})
    assert "enterprise_name" in reasons_of(encode(doc))["submitter"]


def test_anonymous_needs_no_identity():
    doc = valid(submitter={"type": "resident", "anonymous": True})
    assert parse_submission(encode(doc), None).fields["submitter"]["anonymous"] is True


def test_bad_phone_and_attachment_url():
    doc = valid(submitter={"type": "resident", "name": "王", "phone": "12345"},
                attachments=["javascript:alert(1)"])
    reasons = reasons_of(encode(doc))
    assert "not a phone number" in reasons["submitter"]["phone"][0]
    assert reasons["attachments"] == {0: ["Not a valid URL."]} or reasons["attachments"] == {
        "0": ["Not a valid URL."]}


def test_rejection_keeps_a_usable_external_id():
    with pytest.raises(SubmissionRejected) as caught:
        parse_submission(encode(valid(title="")), None)
    assert caught.value.external_id == "form-42"


def test_same_content_same_fingerprint_whatever_the_key_order():
    a = parse_submission(encode(valid()), None)
    b = parse_submission(json.dumps(dict(reversed(list(valid().items()))),
                                    ensure_ascii=False).encode(), None)
    assert a.fingerprint == b.fingerprint
    assert parse_submission(encode(valid(title="别的")), None).fingerprint != a.fingerprint


def test_tracking_number_uses_the_local_year():
    # 2026-12-31 17:00 UTC is already 2027-01-01 in Liangshan.
    assert tracking_number(datetime(2026, 12, 31, 17, 0, tzinfo=UTC), 7) == "LS-2027-000007"
    assert tracking_number(datetime(2026, 6, 1, tzinfo=UTC), 123) == "LS-2026-000123"


def test_actor_names_no_one():
    fields = parse_submission(encode(valid()), None).fields
    assert actor_of(fields) == "resident via wechat"
