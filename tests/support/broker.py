"""A RabbitMQ virtual host per test scope, so tests (and a running demo) never share queues."""

from __future__ import annotations

import os
import urllib.parse

from liaison.messaging import scratch

BASE_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def _api(method: str, path: str, body: dict | None = None) -> int:
    return scratch.api(BASE_URI, method, path, body)


def management_available() -> bool:
    return scratch.management_available(BASE_URI)


def create_vhost() -> str:
    """A fresh virtual host; returns its AMQP URI."""
    return scratch.create_vhost(BASE_URI, "liaison_test")


def delete_vhost(uri: str) -> None:
    scratch.delete_vhost(BASE_URI, uri)


def create_user(name: str, password: str) -> None:
    _api("PUT", f"/api/users/{urllib.parse.quote(name, safe='')}",
         {"password": password, "tags": ""})


def delete_user(name: str) -> None:
    _api("DELETE", f"/api/users/{urllib.parse.quote(name, safe='')}")


def grant(uri: str, user: str, configure: str, write: str, read: str,
          topic: tuple[str, str, str] | None = None) -> None:
    """Permissions of ``user`` on the vhost of ``uri``; ``topic``: (exchange, write, read)."""
    vhost = uri.rsplit("/", 1)[1]
    quoted_user = urllib.parse.quote(user, safe="")
    status = _api("PUT", f"/api/permissions/{vhost}/{quoted_user}",
                  {"configure": configure, "write": write, "read": read})
    assert status in (201, 204), status
    if topic:
        exchange, write_keys, read_keys = topic
        status = _api("PUT", f"/api/topic-permissions/{vhost}/{quoted_user}",
                      {"exchange": exchange, "write": write_keys, "read": read_keys})
        assert status in (201, 204), status


def uri_for(uri: str, user: str, password: str) -> str:
    """``uri`` (same host and vhost) as ``user``."""
    scheme, rest = uri.split("://", 1)
    host_and_vhost = rest.split("@", 1)[1]
    return f"{scheme}://{urllib.parse.quote(user, safe='')}:{password}@{host_and_vhost}"
