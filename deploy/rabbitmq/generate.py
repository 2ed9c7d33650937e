"""Write ``definitions.json`` from ``liaison.messaging.topology`` (exchanges, queues, bindings,
with exactly the arguments the services declare) plus the vhost, users, permissions and policies
below. Run it after changing the topology: ``python deploy/rabbitmq/generate.py``; the test
``tests/deploy/test_rabbitmq_definitions.py`` fails until you do.

Users carry no password here (an empty ``password_hash`` cannot log in): ``render.py`` fills in
hashes from environment variables when the broker is deployed, or an operator runs
``rabbitmqctl change_password USER`` afterwards.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from liaison.messaging import topology  # noqa: E402

VHOST = "liaison"
TARGET = Path(__file__).with_name("definitions.json")
# The application's user (what AMQP_URI names) and an operator's user for the management UI.
USERS = {
    "liaison": {"tags": [], "permissions": (".*", ".*", ".*")},
    "liaison-admin": {"tags": ["administrator"], "permissions": (".*", ".*", ".*")},
}
POLICIES = [
    {
        # Parked messages wait for a person, possibly long: keep them on disk, not in memory.
        "name": "liaison-parked", "pattern": r"^(intake|routing|archive|notify)\..+\.dead$",
        "apply-to": "queues", "priority": 10, "definition": {"queue-mode": "lazy"},
    },
]


def _queue(queue) -> dict[str, Any]:
    return {"name": queue.name, "vhost": VHOST, "durable": bool(queue.durable),
            "auto_delete": bool(queue.auto_delete), "arguments": dict(queue.queue_arguments or {})}


def topology_definitions() -> dict[str, list[dict[str, Any]]]:
    """Exactly what ``topology.declare_all`` declares (without station queues: each station's own
    system declares its queue)."""
    exchanges = [topology.FORMS_EXCHANGE, *topology.SERVICE_EXCHANGES]
    exchanges.append(topology.STATIONS_EXCHANGE)
    queues, bindings = [], []
    for name in topology.CONSUMER_QUEUES:
        main = topology.consumer_queue(name)
        queues += [_queue(main), _queue(topology.retry_queue(name)), _queue(topology.dead_queue(name))]
        for b in sorted(main.bindings, key=lambda b: (b.exchange.name, b.routing_key)):  # a set
            bindings.append({"source": b.exchange.name, "vhost": VHOST, "destination": main.name,
                             "destination_type": "queue", "routing_key": b.routing_key,
                             "arguments": {}})
    return {
        "exchanges": [{"name": e, "vhost": VHOST, "type": topology.exchange(e).type,
                       "durable": True, "auto_delete": False, "internal": False, "arguments": {}}
                      for e in exchanges],
        "queues": queues,
        "bindings": bindings,
    }


def definitions() -> dict[str, Any]:
    return {
        "rabbit_version": "3.10.8",
        "vhosts": [{"name": VHOST}],
        "users": [{"name": name, "password_hash": "", "hashing_algorithm":
                   "rabbit_password_hashing_sha256", "tags": spec["tags"]}
                  for name, spec in USERS.items()],
        "permissions": [{"user": name, "vhost": VHOST, "configure": spec["permissions"][0],
                         "write": spec["permissions"][1], "read": spec["permissions"][2]}
                        for name, spec in USERS.items()],
        "policies": [{"vhost": VHOST, **policy} for policy in POLICIES],
        **topology_definitions(),
    }


def render() -> str:
    return json.dumps(definitions(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
