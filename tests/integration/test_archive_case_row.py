"""The archive's case row is what deriving the case from its whole history gives, whatever order
the events came in, although counter events (notification outcomes) are added to it directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest
from sqlalchemy import select

from liaison.contracts.events import new_event
from liaison.db.uow import UnitOfWork
from services.archive.adapters.models import cases, messaging
from services.archive.cases.handlers.record_event import _case_row, load_history, record_event
from services.archive.cases.rules.projection import derive
from tests.support.fixtures import migrated_engine

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def case_events(case_id: str) -> list:
    opened = new_event("case_opened", case_id, {
        "tracking_number": case_id, "external_id": f"f-{case_id}", "channel": "hotline",
        "submitter": {"type": "resident", "anonymous": True}, "town": "寿张集镇",
        "title": "枯水期航道水深不足", "content": "航道枯水期水深不足。",
        "submitted_at": T0.isoformat(), "received_at": T0.isoformat(), "source": "amqp",
    }, actor="anonymous", occurred_at=T0)
    routed = new_event("case_routed", case_id, {
        "station": {"code": "shouzhangji-port", "name": "寿张集镇港航融合发展特色站"},
        "deputies": [], "rule": "规则1", "reason": "港航", "town": "寿张集镇",
        "deadlines": {"sign_for": (T0 + timedelta(days=2)).isoformat()},
    }, actor="routing", occurred_at=T0 + timedelta(seconds=1))
    outcomes = [new_event(kind, case_id, {
        "notification_id": n, "kind": "receipt", "audience": "station", "channel": "email",
        "recipient": "s***@example.com", "attempts": 1, "error": None,
    }, actor="notify", occurred_at=T0 + timedelta(seconds=2 + n))
        for n, kind in enumerate(("notification_sent", "notification_sent",
                                  "notification_failed"))]
    return [opened, routed, *outcomes]


@pytest.fixture
def engine(database_url):
    with migrated_engine(database_url, "archive") as engine:
        yield engine


def test_the_case_row_matches_the_derived_case_in_any_order(engine):
    orders = list(permutations(range(5)))[::7]  # 18 of the 120 orders, the first one included
    for n, order in enumerate(orders):
        case_id = f"LS-2026-{n + 1:06d}"
        events = case_events(case_id)
        for i in order:
            assert record_event(UnitOfWork(engine, messaging), events[i])
        assert not record_event(UnitOfWork(engine, messaging), events[order[-1]])  # redelivered
        with engine.connect() as conn:
            row = conn.execute(select(cases).where(cases.c.case_id == case_id)).one()._asdict()
            expected = _case_row(derive(case_id, load_history(conn, case_id)))
        assert {key: row[key] for key in expected} == expected, f"order {order}"
        assert (row["notifications_sent"], row["notifications_failed"]) == (2, 1)
