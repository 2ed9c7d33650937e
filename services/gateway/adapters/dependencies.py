"""``Guard``: the gateway's per-process state: the token cache and the submission rate limits."""

from __future__ import annotations

from dataclasses import dataclass

from nameko.extensions import DependencyProvider

from liaison.config import bool_setting, setting
from services.gateway.rules.access import TokenCache
from services.gateway.rules.rate_limit import Limit, RateLimiter


@dataclass
class GuardState:
    tokens: TokenCache
    per_address: RateLimiter
    per_phone: RateLimiter
    trust_forwarded_for: bool


class Guard(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        self.state = GuardState(
            tokens=TokenCache(),
            per_address=RateLimiter(Limit.parse(setting(config, "RATE_LIMIT_PER_ADDRESS", "60/60"))),
            per_phone=RateLimiter(Limit.parse(setting(config, "RATE_LIMIT_PER_PHONE", "10/3600"))),
            trust_forwarded_for=bool_setting(config, "TRUST_X_FORWARDED_FOR", False),
        )

    def get_dependency(self, worker_ctx) -> GuardState:
        return self.state
