"""The notify service: tells the submitter and the station; records every notification's fate."""

from __future__ import annotations

from nameko.timer import timer

from liaison.events import Event
from liaison.service_kit.consumer import consume
from liaison.service_kit.database import Database
from liaison.timeutil import utcnow
from services.notify import handlers
from services.notify.dependencies import Channels
from services.notify.models import messaging


class NotifyService:
    name = "notify"

    db = Database(messaging)
    channels = Channels()

    @consume("notify.case-events")
    def handle_case_event(self, event: Event) -> None:
        if event.event_type == "case_opened":
            handlers.remember_case(self.db.uow(), event)
        elif event.event_type == "case_routed":
            for notification_id in handlers.plan_notifications(self.db.uow(), event):
                handlers.deliver(self.db.uow, self.channels, notification_id)

    @timer(interval=5)
    def deliver_due(self) -> None:
        """Retries after failures, and sends a process that died mid-send left behind."""
        for notification_id in handlers.due_notifications(self.db.uow(), utcnow()):
            handlers.deliver(self.db.uow, self.channels, notification_id)
