"""deploy/rabbitmq/definitions.json against liaison.messaging.topology: what the broker loads at
boot must be exactly what the services declare (RabbitMQ refuses a declaration whose arguments
differ from an existing queue's)."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import re

import pytest
from kombu import Connection

from liaison.config import REPO_ROOT
from liaison.messaging import scratch, topology
from tests.support import broker

RABBITMQ = REPO_ROOT / "deploy" / "rabbitmq"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"deploy_rabbitmq_{name}", RABBITMQ / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _definitions() -> dict:
    return json.loads((RABBITMQ / "definitions.json").read_text(encoding="utf-8"))


def _key(item: dict, *fields: str) -> tuple:
    return tuple(json.dumps(item.get(f), sort_keys=True) for f in fields)


def test_definitions_match_the_topology_exactly():
    loaded, declared = _definitions(), _module("generate").topology_definitions()
    hint = "the topology changed: run `python deploy/rabbitmq/generate.py` and commit the result"
    for kind, fields in (("exchanges", ("name", "type", "durable", "auto_delete", "internal",
                                        "arguments")),
                         ("queues", ("name", "durable", "auto_delete", "arguments")),
                         ("bindings", ("source", "destination", "destination_type", "routing_key",
                                       "arguments"))):
        assert sorted(_key(i, *fields) for i in loaded[kind]) == \
            sorted(_key(i, *fields) for i in declared[kind]), f"{kind} differ; {hint}"


def test_every_consumer_queue_has_its_retry_and_dead_letter_companions():
    queues = {q["name"]: q for q in _definitions()["queues"]}
    for name, spec in topology.CONSUMER_QUEUES.items():
        retry = queues[spec.retry_name]["arguments"]
        assert retry["x-dead-letter-exchange"] == "" and retry["x-dead-letter-routing-key"] == name
        assert retry["x-message-ttl"] == topology.RETRY_DELAY_MS
        assert queues[spec.dead_name]["durable"] and queues[name]["durable"]
        assert all(queues[n]["arguments"]["x-queue-type"] == "classic"
                   for n in (name, spec.retry_name, spec.dead_name))


def test_no_password_is_in_the_repository_and_render_fills_hashes():
    template = _definitions()
    assert all(user["password_hash"] == "" for user in template["users"])
    render = _module("render")
    rendered = render.render(template, {"LIAISON_AMQP_PASSWORD": "s3cret"})
    by_name = {u["name"]: u for u in rendered["users"]}
    raw = base64.b64decode(by_name["liaison"]["password_hash"])
    salt, digest = raw[:4], raw[4:]
    assert digest == hashlib.sha256(salt + b"s3cret").digest()
    assert by_name["liaison-admin"]["password_hash"] == ""  # not given: cannot log in
    assert all(p["vhost"] == "liaison" for p in rendered["permissions"])


def test_rabbitmq_conf_loads_the_definitions():
    conf = (RABBITMQ / "rabbitmq.conf").read_text()
    assert "load_definitions = /etc/rabbitmq/definitions/definitions.json" in conf


@pytest.mark.broker
def test_the_broker_accepts_the_definitions_and_then_the_services_declarations():
    """Import the vhost's part of the definitions into a fresh vhost, then declare the topology as
    every service does at start: a single differing argument would fail with PRECONDITION_FAILED."""
    if not broker.management_available():
        pytest.skip("needs the RabbitMQ management API")
    uri = broker.create_vhost()
    vhost = uri.rsplit("/", 1)[1]
    try:
        definitions = _definitions()
        body = {kind: [{k: v for k, v in item.items() if k != "vhost"} for item in definitions[kind]]
                for kind in ("exchanges", "queues", "bindings", "policies")}
        assert broker._api("POST", f"/api/definitions/{vhost}", body) in (200, 201, 204)
        with Connection(uri) as connection:
            topology.declare_all(connection)  # same arguments: accepted, changes nothing
            for name in topology.CONSUMER_QUEUES:
                topology.declare_queue_set(connection, name)
        queues = {q["name"] for q in _get(f"/api/queues/{vhost}")}
        assert queues == {q["name"] for q in definitions["queues"]}
        (policy,) = _get(f"/api/policies/{vhost}")
        assert policy["definition"] == {"queue-mode": "lazy"}
        dead = {spec.dead_name for spec in topology.CONSUMER_QUEUES.values()}
        assert {q for q in queues if re.search(policy["pattern"], q)} == dead
    finally:
        broker.delete_vhost(uri)


def _get(path: str):
    import urllib.request

    request = urllib.request.Request(scratch.MANAGEMENT + path, headers={
        "Authorization": "Basic " + base64.b64encode(b"guest:guest").decode()})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_generate_is_what_is_committed():
    assert _module("generate").render() == (RABBITMQ / "definitions.json").read_text("utf-8"), \
        "run `python deploy/rabbitmq/generate.py`"

