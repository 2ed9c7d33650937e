"""The intake service: external forms' submissions in, ``case_opened``/``submission_rejected`` out."""

from __future__ import annotations

import base64
import binascii

from liaison.contracts.events import Event
from liaison.service_kit.consumer import RawMessage, consume
from liaison.service_kit.database import Database
from liaison.service_kit.rpc import rpc
from services.intake.adapters.models import messaging
from services.intake.handlers import erase_personal_data, receive_submission


class IntakeService:
    name = "intake"

    db = Database(messaging)

    @consume("intake.submissions", raw=True, batch=True)
    def handle_submission(self, messages: list[RawMessage]) -> list[BaseException | None]:
        """AMQP: a form published to ``forms.events`` with routing key ``submission_received``."""
        return self.db.each(messages, lambda uow, message: receive_submission.receive_submission(
            uow, message.body, source="amqp", content_type=message.content_type))

    @consume("intake.case-events")
    def handle_case_event(self, event: Event) -> None:
        """``case_anonymized``: the retention period is over; erase personal data."""
        if event.event_type == "case_anonymized":
            erase_personal_data.anonymize(self.db.uow(), event)

    @rpc
    def submit(self, body_base64: str, content_type: str | None = None) -> dict:
        """HTTP (through the gateway): the raw request body, base64 so any bytes survive JSON."""
        try:
            body = base64.b64decode(body_base64, validate=True)
        except (binascii.Error, ValueError, TypeError):
            return {"status": "rejected", "reasons": {"_body": ["body_base64 is not base64"]}}
        return receive_submission.receive_submission(
            self.db.uow(), body, source="http", content_type=content_type
        ).to_dict()
