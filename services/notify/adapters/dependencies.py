"""``Notifier``: the delivery channels and notify's settings, built once per process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nameko.extensions import DependencyProvider

from liaison.config import REPO_ROOT, bool_setting, int_setting, setting
from services.notify.adapters.channels import (
    Channel,
    FileChannel,
    SmsGatewayChannel,
    SmtpChannel,
    WebhookChannel,
)
from services.notify.rules.notices import DEFAULT_RETRY_DELAYS, Addresses


@dataclass(frozen=True)
class NotifySettings:
    channels: dict[str, Channel]
    addresses: Addresses
    retry_delays: tuple[float, ...]


def build_channels(config: Mapping[str, Any]) -> dict[str, Channel]:
    """``email``: SMTP when SMTP_HOST is set, else a file; ``sms``: the HTTP gateway when
    SMS_GATEWAY_URL is set, else a file; ``webhook``: stations' own systems."""
    outbox = REPO_ROOT / str(setting(config, "NOTIFY_OUTBOX_DIR", "var/outbox"))
    email: Channel = FileChannel(outbox, "email")
    if setting(config, "SMTP_HOST"):
        email = SmtpChannel(
            host=str(config["SMTP_HOST"]),
            port=int_setting(config, "SMTP_PORT", 25),
            sender=str(setting(config, "SMTP_FROM", "liaison@renda.liangshan.example")),
            starttls=bool_setting(config, "SMTP_STARTTLS", False),
            username=setting(config, "SMTP_USER"),
            password=setting(config, "SMTP_PASSWORD"),
        )
    sms: Channel = FileChannel(outbox, "sms")
    if setting(config, "SMS_GATEWAY_URL"):
        sms = SmsGatewayChannel(str(config["SMS_GATEWAY_URL"]), setting(config, "SMS_GATEWAY_TOKEN"))
    return {"email": email, "sms": sms, "webhook": WebhookChannel(setting(config, "WEBHOOK_SECRET"))}


def build_settings(config: Mapping[str, Any]) -> NotifySettings:
    delays = setting(config, "NOTIFY_RETRY_DELAYS")
    return NotifySettings(
        channels=build_channels(config),
        addresses=Addresses(
            county_office=str(setting(config, "COUNTY_OFFICE_EMAIL",
                                      "county-office@stations.liangshan.example")),
            standing_committee=str(setting(config, "STANDING_COMMITTEE_EMAIL",
                                           "standing-committee@renda.liangshan.example")),
        ),
        retry_delays=tuple(float(d) for d in str(delays).split(",")) if delays
        else DEFAULT_RETRY_DELAYS,
    )


class Notifier(DependencyProvider):
    def setup(self) -> None:
        self.settings = build_settings(self.container.config)

    def get_dependency(self, worker_ctx) -> NotifySettings:
        return self.settings
