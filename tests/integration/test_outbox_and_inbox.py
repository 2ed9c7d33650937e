"""The unit of work, the inbox and the outbox relay, on SQLite and PostgreSQL, with the real broker."""

import json
from types import SimpleNamespace

import pytest
from kombu import Connection, Exchange, Queue
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import sessionmaker

from liaison.contracts.events import new_event
from liaison.db.uow import UnitOfWork, apply_each
from liaison.messaging.publisher import ConfirmedPublisher
from liaison.messaging.relay import OutboxRelay
from liaison.service_kit.database import DatabaseAccess
from services.intake.adapters.models import messaging, tracking_sequences
from services.intake.service import IntakeService
from tests.support.fixtures import migrated_engine, running, service_config
from tests.support.waiting import wait_for

pytestmark = pytest.mark.broker


@pytest.fixture
def engine(database_url):
    with migrated_engine(database_url, "intake") as engine:
        yield engine


def uow_for(engine, on_commit=None) -> UnitOfWork:
    return UnitOfWork(sessionmaker(engine, expire_on_commit=False), messaging, on_commit)


def rejected_event(n: int):
    return new_event("submission_rejected", None, {
        "rejection_id": n, "external_id": None, "source": "amqp", "reasons": {"_body": ["x"]},
        "body_sha256": "0" * 64, "received_at": "2026-11-20T01:00:00+00:00"}, actor="intake")


def unpublished(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).where(
            messaging.outbox.c.published_at.is_(None))).scalar_one()


def unpublished_ids(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(messaging.outbox.c.id).where(
            messaging.outbox.c.published_at.is_(None)).order_by(messaging.outbox.c.id)).scalars())


def test_commit_writes_change_and_event_together(engine):
    woken = []
    with uow_for(engine, woken.append) as uow:
        uow.session.execute(insert(tracking_sequences).values(year=2026, last_value=5))
        event = rejected_event(1)
        uow.publish(event)
        uow.commit()
    assert unpublished(engine) == 1
    assert [[(row.id, row.event_id, row.body) for row in rows] for rows in woken] == [
        [(unpublished_ids(engine)[0], event.event_id, event.to_json())]]


def test_rollback_writes_neither(engine):
    with uow_for(engine) as uow:
        uow.session.execute(insert(tracking_sequences).values(year=2026, last_value=5))
        uow.publish(rejected_event(1))
        # no commit: leaving the block rolls back
    assert unpublished(engine) == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tracking_sequences)).scalar_one() == 0


def test_claim_is_once_per_message_and_handler(engine):
    with uow_for(engine) as uow:
        assert uow.claim("m-1", "h")
        uow.commit()
    with uow_for(engine) as uow:
        assert not uow.claim("m-1", "h")
        assert uow.claim("m-1", "other-handler")
        uow.commit()


def test_an_unclaimed_effect_rolls_back_with_its_claim(engine):
    with uow_for(engine) as uow:
        assert uow.claim("m-2", "h")
        # crash before commit
    with uow_for(engine) as uow:
        assert uow.claim("m-2", "h")  # so the redelivery applies it


def sequences(engine) -> dict[int, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(tracking_sequences.c.year,
                                        tracking_sequences.c.last_value)).all())


def test_a_batch_commits_together_and_a_failed_item_undoes_only_itself(engine):
    woken = []

    def apply(uow: UnitOfWork, year: int) -> None:
        with uow:
            assert uow.claim(f"m-{year}", "batch")
            uow.session.execute(insert(tracking_sequences).values(year=year, last_value=1))
            uow.publish(rejected_event(year))
            if year == 2027:
                raise ValueError("this item is bad")
            uow.commit()

    outcomes = apply_each(engine, messaging, [2026, 2027, 2028], apply, woken.append)

    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], ValueError)
    assert sequences(engine) == {2026: 1, 2028: 1}  # the bad item's row is gone, not the others'
    assert unpublished(engine) == 2  # and so is its event
    assert len(woken) == 1  # one commit, one hand-over to the relay: the rows it wrote
    assert [row.id for row in woken[0]] == unpublished_ids(engine)
    assert [row.event_type for row in woken[0]] == ["submission_rejected"] * 2
    with uow_for(engine) as uow:  # its inbox mark went too: a retry applies it
        assert uow.claim("m-2027", "batch")
        assert not uow.claim("m-2026", "batch")


def test_a_batch_without_failures_runs_straight_through_without_savepoints(engine):
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement.split()[0].upper())

    def apply(uow: UnitOfWork, year: int) -> None:
        with uow:
            uow.session.execute(insert(tracking_sequences).values(year=year, last_value=1))
            uow.commit()

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert apply_each(engine, messaging, [2026, 2027, 2028], apply) == [None, None, None]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements.count("INSERT") == 3
    assert "SAVEPOINT" not in statements
    assert sequences(engine) == {2026: 1, 2027: 1, 2028: 1}


def test_a_failure_the_handler_swallowed_still_undoes_that_item_alone(engine):
    def apply(uow: UnitOfWork, year: int) -> None:
        try:
            with uow:
                uow.session.execute(insert(tracking_sequences).values(year=year, last_value=1))
                if year == 2027:
                    raise ValueError("caught below, as intake does with a lost race")
                uow.commit()
        except ValueError:
            pass  # carries on: its insert must not stay

    assert apply_each(engine, messaging, [2026, 2027, 2028], apply) == [None, None, None]
    assert sequences(engine) == {2026: 1, 2028: 1}


def test_a_batch_whose_commit_fails_commits_nothing(engine):
    def apply(uow: UnitOfWork, year: int) -> None:
        with uow:
            uow.session.execute(insert(tracking_sequences).values(year=year, last_value=1))
            uow.commit()

    # 2026 twice: the second insert breaks the primary key inside its own savepoint only ...
    outcomes = apply_each(engine, messaging, [2026, 2026, 2029], apply)
    assert outcomes[0] is None and isinstance(outcomes[1], IntegrityError) and outcomes[2] is None
    assert sequences(engine) == {2026: 1, 2029: 1}

    # ... while a failing commit loses the whole batch, and says so (the caller retries each item)
    def refuse(_connection) -> None:
        raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))

    event.listen(engine, "commit", refuse)
    try:
        with pytest.raises(OperationalError):
            apply_each(engine, messaging, [2030, 2031], apply)
    finally:
        event.remove(engine, "commit", refuse)
    assert sequences(engine) == {2026: 1, 2029: 1}


def commit_rejections(engine, count: int, on_commit=None) -> list:
    """``count`` submission_rejected events committed in one unit of work (not relayed)."""
    with uow_for(engine, on_commit) as uow:
        events = [rejected_event(n) for n in range(count)]
        for event in events:
            uow.publish(event)
        uow.commit()
    return events


def rejections_probe(conn: Connection, name: str) -> Queue:
    probe = Queue(name, Exchange("intake.events", type="topic", durable=True),
                  routing_key="submission_rejected", exclusive=True)
    probe(conn.default_channel).declare()
    return probe


def test_relay_publishes_what_a_crash_left_behind(engine, clean_queues):
    amqp_uri = clean_queues
    # Committed, never relayed: the process died right after the commit.
    events = commit_rejections(engine, 3)
    with Connection(amqp_uri) as conn:
        probe = rejections_probe(conn, "probe.rejected")
        relay = OutboxRelay(engine, messaging, ConfirmedPublisher(amqp_uri))
        assert relay.relay_all() == 3
        assert relay.relay_all() == 0  # marked published: not again
        assert unpublished(engine) == 0
        received = []
        for _ in range(3):
            message = probe(conn.default_channel).get(no_ack=True)
            received.append(message)
        assert [m.properties["message_id"] for m in received] == [e.event_id for e in events]
        assert all(m.properties["delivery_mode"] == 2 for m in received)
        assert json.loads(received[0].body)["event_type"] == "submission_rejected"


def test_relay_at_end_hands_a_loop_of_commits_over_once(engine):
    woken: list[list] = []
    db = DatabaseAccess(SimpleNamespace(engine=engine, tables=messaging, wake_relay=woken.append))

    def commit_one(n: int) -> None:
        with db.uow() as uow:
            uow.publish(rejected_event(n))
            uow.commit()

    with db.relay_at_end():
        for n in range(3):
            commit_one(n)
        assert woken == []  # committed, held until the block ends
    assert [len(rows) for rows in woken] == [3]
    commit_one(3)  # outside the block: handed over at once again
    assert [len(rows) for rows in woken] == [3, 1]
    assert [row.id for rows in woken for row in rows] == unpublished_ids(engine)


def test_relay_publishes_handed_over_rows_and_the_sweep_spares_young_ones(engine, clean_queues):
    amqp_uri = clean_queues
    handed = []
    events = commit_rejections(engine, 2, handed.extend)
    with Connection(amqp_uri) as conn:
        probe = rejections_probe(conn, "probe.handed")
        relay = OutboxRelay(engine, messaging, ConfirmedPublisher(amqp_uri))
        # The sweep leaves rows younger than min_age to the process that wrote them ...
        assert relay.relay_all(min_age=60) == 0
        assert unpublished(engine) == 2
        # ... which publishes what its commit handed over, without reading it back.
        assert relay.relay_rows(handed) == 2
        assert unpublished(engine) == 0
        assert relay.relay_all() == 0
        received = [probe(conn.default_channel).get(no_ack=True) for _ in range(2)]
        assert [m.properties["message_id"] for m in received] == [e.event_id for e in events]
        assert probe(conn.default_channel).get(no_ack=True) is None


def test_a_restarted_service_relays_its_leftovers(engine, database_url, clean_queues):
    with uow_for(engine) as uow:
        uow.publish(new_event("case_opened", "LS-2026-000077", {
            "tracking_number": "LS-2026-000077", "external_id": "left-behind", "channel": "wechat",
            "submitter": {"type": "resident", "anonymous": True}, "title": "t", "content": "c",
            "submitted_at": "2026-11-20T01:00:00+00:00", "received_at": "2026-11-20T01:00:00+00:00",
            "source": "amqp"}, actor="resident via wechat"))
        uow.commit()
    with running(IntakeService, service_config(clean_queues, database_url)):
        wait_for(lambda: unpublished(engine) == 0, message="the relay to drain the outbox")
    with Connection(clean_queues) as conn:
        message = Queue("routing.cases")(conn.default_channel).get(no_ack=True)
        assert json.loads(message.body)["case_id"] == "LS-2026-000077"
