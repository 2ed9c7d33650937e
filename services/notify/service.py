"""The notify service: tells submitters, stations and the county; records every notification."""

from __future__ import annotations

from nameko.timer import timer

from liaison.config import float_setting, process_config
from liaison.contracts.county_time import utcnow
from liaison.contracts.events import Event
from liaison.db.uow import UnitOfWork
from liaison.service_kit.consumer import consume
from liaison.service_kit.database import Database
from services.notify.adapters.dependencies import Notifier
from services.notify.adapters.models import messaging
from services.notify.handlers import notices as handlers

# How often to look for retries that are due (and sends a dead process left behind).
SWEEP_SECONDS = float_setting(process_config(), "NOTIFY_SWEEP_SECONDS", 2.0)  # a timer's interval
# is fixed when the class is made, before nameko hands the service its config


class NotifyService:
    name = "notify"

    db = Database(messaging)
    notifier = Notifier()

    @consume("notify.case-events", batch=True)
    def handle_case_event(self, events: list[Event]) -> list[BaseException | None]:
        planned: dict[int, list[int]] = {}  # by position: an item may be applied twice

        def plan(uow: UnitOfWork, position: int) -> None:
            planned[position] = handlers.handle_event(uow, self.notifier, events[position])

        outcomes = self.db.each(range(len(events)), plan)
        with self.db.relay_at_end():
            handlers.deliver_many(self.db.uow, self.notifier, [
                notification_id for position, ids in sorted(planned.items())
                if outcomes[position] is None for notification_id in ids])
        return outcomes

    @timer(interval=SWEEP_SECONDS)
    def deliver_due(self) -> None:
        with self.db.relay_at_end():
            handlers.deliver_many(self.db.uow, self.notifier,
                                  handlers.due_notifications(self.db.uow(), utcnow()))
