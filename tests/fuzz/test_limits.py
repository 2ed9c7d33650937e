"""The documented limits of a submission (README, "Limits"), each at its edge, and what is kept of a
body over the limit."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from liaison.contracts.submission import MAX_ATTACHMENTS, MAX_BODY_BYTES, MAX_CONTENT, MAX_TITLE
from liaison.db.engine import make_engine
from liaison.db.uow import UnitOfWork
from services.intake.adapters.models import messaging, rejections
from services.intake.handlers import receive_submission as handlers
from services.intake.rules.submission import SubmissionRejected, parse_submission
from tools.migrations import upgrade


def doc(**changes) -> dict:
    base = {"external_id": "limit-1", "channel": "wechat",
            "submitter": {"name": "王小明", "phone": "13812345678", "type": "resident"},
            "title": "路灯不亮", "content": "小区路灯坏了半年。",
            "submitted_at": "2026-11-20T09:15:00+08:00"}
    base.update(changes)
    return base


def body(d: dict) -> bytes:
    return json.dumps(d, ensure_ascii=False).encode()


LIMITS = [  # (field, at the limit, one over)
    ("external_id", {"external_id": "a" * 100}, {"external_id": "a" * 101}),
    ("title", {"title": "题" * MAX_TITLE}, {"title": "题" * (MAX_TITLE + 1)}),
    ("content", {"content": "文" * MAX_CONTENT}, {"content": "文" * (MAX_CONTENT + 1)}),
    ("category", {"category": "类" * 50}, {"category": "类" * 51}),
    ("town", {"town": "镇" * 50}, {"town": "镇" * 51}),
    ("attachments", {"attachments": ["https://f.example.com/a.jpg"] * MAX_ATTACHMENTS},
     {"attachments": ["https://f.example.com/a.jpg"] * (MAX_ATTACHMENTS + 1)}),
    ("submitter", {"submitter": {"name": "名" * 50, "phone": "13812345678", "type": "resident"}},
     {"submitter": {"name": "名" * 51, "phone": "13812345678", "type": "resident"}}),
    ("location", {"location": {"address": "址" * 200}}, {"location": {"address": "址" * 201}}),
]


@pytest.mark.parametrize(("field", "at_limit", "over"), LIMITS, ids=[f for f, _, _ in LIMITS])
def test_each_field_limit_is_enforced_at_its_edge(field, at_limit, over):
    parse_submission(body(doc(**at_limit)), "application/json")
    with pytest.raises(SubmissionRejected) as rejected:
        parse_submission(body(doc(**over)), "application/json")
    assert field in rejected.value.reasons


def test_the_body_limit_is_64_kib_whatever_its_content():
    padded = body(doc())[:-1] + b" " * (MAX_BODY_BYTES - len(body(doc()))) + b"}"
    assert len(padded) == MAX_BODY_BYTES
    parse_submission(padded, "application/json")
    with pytest.raises(SubmissionRejected) as rejected:
        parse_submission(padded + b" ", "application/json")
    assert "too large" in rejected.value.reasons["_body"][0]


def test_an_oversized_message_is_recorded_cut_to_the_limit_with_the_digest_of_all_of_it(
        tmp_path: Path):
    url = f"sqlite:///{tmp_path}/intake.db"
    upgrade("intake", url)
    factory = sessionmaker(make_engine(url), expire_on_commit=False)
    huge = b'{"content": "' + b"x" * (4 * 1024 * 1024) + b'"}'

    outcome = handlers.receive_submission(UnitOfWork(factory, messaging), huge, source="amqp",
                                          content_type="application/json")

    assert outcome.status == "rejected"
    with factory() as session:
        row = session.execute(select(rejections)).one()
    assert len(row.raw_body) == MAX_BODY_BYTES and huge.startswith(row.raw_body)
    assert row.body_sha256 == hashlib.sha256(huge).hexdigest()
