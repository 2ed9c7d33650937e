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

from liaison.messaging import permissions, topology  # noqa: E402
from services import catalogue  # noqa: E402
from services.routing.rules.registry import default_registry  # noqa: E402

VHOST = "liaison"
TARGET = Path(__file__).with_name("definitions.json")
# ``liaison``: one application user for every service (a simple deployment's AMQP_URI);
# ``liaison-<service>``: each service's own, least-privilege user (<SERVICE>_AMQP_URI), from
# liaison/messaging/permissions.py; ``liaison-forms``: external forms, publish only;
# ``station-<code>``: a station's own system, its own queue and cases only;
# ``liaison-admin``: an operator's user for the management UI and ``liaison topology``.
def users() -> dict[str, dict[str, Any]]:
    everything = (".*", ".*", ".*")
    result: dict[str, dict[str, Any]] = {
        "liaison": {"tags": [], "permissions": everything},
        "liaison-admin": {"tags": ["administrator"], "permissions": everything},
        "liaison-forms": {"tags": [], "permissions": _triple(permissions.FORM_PERMISSION)},
    }
    for service in catalogue.SERVICES:
        result[f"liaison-{service.name}"] = {
            "tags": [], "permissions": _triple(permissions.service_permission(service.broker_access))}
    for code in default_registry().codes:
        station, topic = permissions.station_permission(code)
        result[f"station-{code}"] = {"tags": [], "permissions": _triple(station),
                                     "topic": (topic.exchange, topic.write, topic.read)}
    return result


def _triple(permission) -> tuple[str, str, str]:
    return (permission.configure, permission.write, permission.read)
POLICIES = [
    {
        # Parked messages wait for a person, possibly long: keep them on disk, not in memory.
        "name": "liaison-parked",
        "pattern": r"^(" + "|".join(catalogue.CONSUMERS) + r")\..+\.dead$",
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
                  for name, spec in users().items()],
        "permissions": [{"user": name, "vhost": VHOST, "configure": spec["permissions"][0],
                         "write": spec["permissions"][1], "read": spec["permissions"][2]}
                        for name, spec in users().items()],
        "topic_permissions": [{"user": name, "vhost": VHOST, "exchange": spec["topic"][0],
                               "write": spec["topic"][1], "read": spec["topic"][2]}
                              for name, spec in users().items() if "topic" in spec],
        "policies": [{"vhost": VHOST, **policy} for policy in POLICIES],
        **topology_definitions(),
    }


def render() -> str:
    return json.dumps(definitions(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
