"""Bugs the fault-injection run found, each pinned by a small test that fails without its fix."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from liaison.contracts.county_time import utcnow
from liaison.db.engine import make_engine
from liaison.db.uow import UnitOfWork
from services.notify.adapters.dependencies import NotifySettings
from services.notify.adapters.models import messaging, notifications
from services.notify.handlers import notices as handlers
from services.notify.rules.notices import DEFAULT_RETRY_DELAYS, Addresses
from tools.migrations import upgrade


class CountingChannel:
    name = "email"

    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, message) -> None:
        self.sent.append(message.notification_id)


class CommitFailsOnce(UnitOfWork):
    """The database goes away between the send and the record of it (a DB outage)."""

    def commit(self) -> None:
        raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))


def test_a_sent_notification_is_recorded_after_a_database_blip_not_sent_again(tmp_path: Path):
    # Found by the chaos run ("database down" phase): the SMTP server had accepted the e-mail,
    # recording it failed once, the row stayed 'sending' and was sent again 2 min later.
    url = f"sqlite:///{tmp_path}/notify.db"
    upgrade("notify", url)
    engine = make_engine(url)
    factory = sessionmaker(engine, expire_on_commit=False)
    now = utcnow()
    with engine.begin() as conn:
        notification_id = conn.execute(insert(notifications).values(
            dedupe_key="LS-2026-000001:receipt", case_id="LS-2026-000001", kind="receipt",
            audience="submitter", channel="email", recipient="a@example.com",
            recipient_masked="a***@example.com", subject="s", body="b", status="pending",
            attempts=0, source_event_id="e1", created_at=now, next_attempt_at=now,
        ).returning(notifications.c.id)).scalar_one()
    uows = iter([UnitOfWork(factory, messaging), CommitFailsOnce(factory, messaging)])
    channel = CountingChannel()
    settings = NotifySettings({"email": channel}, Addresses("c@example.com", "s@example.com"),
                              DEFAULT_RETRY_DELAYS)

    status = handlers.deliver(lambda: next(uows, None) or UnitOfWork(factory, messaging),
                              settings, notification_id)

    assert status == "sent"
    assert channel.sent == [notification_id]
    with engine.connect() as conn:
        assert conn.execute(select(notifications.c.status)).scalar_one() == "sent"
    assert handlers.deliver(lambda: UnitOfWork(factory, messaging), settings,
                            notification_id) is None  # settled: nothing to send again
    assert channel.sent == [notification_id]


class DeadChannelMessage:
    """A message whose connection died while its handler ran (the broker restarted): the socket
    is gone, but the channel does not know yet (nameko only catches amqp's ConnectionError)."""

    class channel:  # noqa: N801 - shaped like kombu's
        connection = object()

    def ack(self, multiple: bool = False) -> None:
        raise ConnectionResetError(104, "Connection reset by peer")

    def requeue(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def test_settling_a_message_on_a_dead_connection_does_not_kill_the_service():
    # Found by the chaos run ("restart RabbitMQ"): the ack after a handler's commit raised
    # ConnectionResetError, nameko killed the archive container, and archive stopped consuming.
    from liaison.service_kit.consumer import _RawQueueConsumer

    consumer = _RawQueueConsumer()
    consumer.ack_message(DeadChannelMessage())  # the broker redelivers it; nothing raised
    consumer.requeue_message(DeadChannelMessage())
