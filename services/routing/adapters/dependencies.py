"""``RulesProvider``: the registry, calendar, time limits and clock, loaded once per process."""

from __future__ import annotations

from nameko.extensions import DependencyProvider

from liaison.config import float_setting, int_setting, setting
from services.routing.rules.policy import RoutingRequest, decide
from services.routing.rules.retention import DEFAULT_RETENTION_DAYS
from services.routing.rules.rulebook import Rules, load_rules


def warm_up(rules: Rules) -> None:
    """Route one made-up submission so jieba loads its dictionary (about a second) at start, not
    while the first real case waits."""
    decide(RoutingRequest(id="warm-up", channel="web_form", submitter_type="resident",
                          town="水泊街道", title="路灯不亮", content="小区路灯坏了"), rules.registry)


class RulesProvider(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        self.rules = load_rules(setting(config, "STATIONS_FILE"),
                                float_setting(config, "CLOCK_OFFSET_SECONDS", 0.0),
                                int_setting(config, "RETENTION_DAYS", DEFAULT_RETENTION_DAYS))
        warm_up(self.rules)

    def get_dependency(self, worker_ctx) -> Rules:
        return self.rules
