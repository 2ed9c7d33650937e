"""The notify service: tells submitters, stations and the county; records every notification."""

from __future__ import annotations

import os

from nameko.timer import timer

from liaison.events import Event
from liaison.service_kit.consumer import consume
from liaison.service_kit.database import Database
from liaison.timeutil import utcnow
from services.notify import handlers
from services.notify.dependencies import Notifier
from services.notify.models import messaging

# How often to look for retries that are due (and sends a dead process left behind).
SWEEP_SECONDS = float(os.environ.get("NOTIFY_SWEEP_SECONDS", "2"))


class NotifyService:
    name = "notify"

    db = Database(messaging)
    notifier = Notifier()

    @consume("notify.case-events")
    def handle_case_event(self, event: Event) -> None:
        for notification_id in handlers.handle_event(self.db.uow(), self.notifier, event):
            handlers.deliver(self.db.uow, self.notifier, notification_id)

    @timer(interval=SWEEP_SECONDS)
    def deliver_due(self) -> None:
        for notification_id in handlers.due_notifications(self.db.uow(), utcnow()):
            handlers.deliver(self.db.uow, self.notifier, notification_id)
