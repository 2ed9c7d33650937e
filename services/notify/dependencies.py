"""``Channels``: the delivery channels, built once per process from the configuration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nameko.extensions import DependencyProvider

from liaison.config import REPO_ROOT, bool_setting, int_setting, setting
from services.notify.channels import Channel, FileChannel, SmtpChannel


def build_channels(config: Mapping[str, Any]) -> dict[str, Channel]:
    """``email``: SMTP when SMTP_HOST is set, else a file; ``sms``: a file (no SMS gateway yet)."""
    outbox = REPO_ROOT / str(setting(config, "NOTIFY_OUTBOX_DIR", "var/outbox"))
    email: Channel
    if setting(config, "SMTP_HOST"):
        email = SmtpChannel(
            host=str(config["SMTP_HOST"]),
            port=int_setting(config, "SMTP_PORT", 25),
            sender=str(setting(config, "SMTP_FROM", "liaison@renda.liangshan.example")),
            starttls=bool_setting(config, "SMTP_STARTTLS", False),
            username=setting(config, "SMTP_USER"),
            password=setting(config, "SMTP_PASSWORD"),
        )
    else:
        email = FileChannel(outbox, "email")
    return {"email": email, "sms": FileChannel(outbox, "sms")}


class Channels(DependencyProvider):
    def setup(self) -> None:
        self.channels = build_channels(self.container.config)

    def get_dependency(self, worker_ctx) -> dict[str, Channel]:
        return self.channels
