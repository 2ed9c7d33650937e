"""A service for the graceful-shutdown test: routing's tables and queue, a handler that takes
``SLOW_SECONDS`` and announces when it starts (a file per event in ``SLOW_MARKER_DIR``)."""

from __future__ import annotations

import os
from pathlib import Path

import eventlet

from liaison.contracts.events import Event, new_event
from liaison.db.uow import UnitOfWork
from liaison.service_kit.consumer import consume
from liaison.service_kit.database import Database
from services.routing.adapters.models import messaging


class SlowService:
    name = "routing"  # routing's database tables (<service> in DATABASE_URL) and default ports

    db = Database(messaging)

    @consume("routing.cases")
    def handle(self, event: Event) -> None:
        Path(os.environ["SLOW_MARKER_DIR"], event.event_id).touch()
        eventlet.sleep(float(os.environ.get("SLOW_SECONDS", "2")))
        route(self.db.uow(), event)


class SlowBatchService:
    """The same, consuming in batches: the batch sleeps ``SLOW_SECONDS``, then commits."""

    name = "routing"

    db = Database(messaging)

    @consume("routing.cases", batch=True)
    def handle(self, events: list[Event]) -> list[BaseException | None]:
        for event in events:
            Path(os.environ["SLOW_MARKER_DIR"], event.event_id).touch()
        eventlet.sleep(float(os.environ.get("SLOW_SECONDS", "2")))
        return self.db.each(events, route)


def route(uow: UnitOfWork, event: Event) -> None:
    with uow:
        if uow.claim(event.event_id, "slow"):
            uow.publish(new_event("case_routed", event.case_id, {
                "station": {"code": "county-office", "name": "县人大常委会代表联络工作室",
                            "contact_email": None},
                "deputies": [], "rule": "test", "reason": "graceful shutdown test",
                "town": None, "town_source": None}, actor="routing"))
            uow.commit()
