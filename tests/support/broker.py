"""A RabbitMQ virtual host per test scope, so tests (and a running demo) never share queues."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid

BASE_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
MANAGEMENT = os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672")
_AUTH = "Basic " + base64.b64encode(b"guest:guest").decode()


def _api(method: str, path: str, body: dict | None = None) -> int:
    request = urllib.request.Request(
        MANAGEMENT + path, method=method, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": _AUTH, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def management_available() -> bool:
    try:
        return _api("GET", "/api/overview") == 200
    except OSError:
        return False


def create_vhost() -> str:
    """A fresh virtual host; returns its AMQP URI."""
    name = f"liaison_test_{uuid.uuid4().hex[:10]}"
    quoted = urllib.parse.quote(name, safe="")
    if management_available():
        _api("PUT", f"/api/vhosts/{quoted}")
        _api("PUT", f"/api/permissions/{quoted}/guest",
             {"configure": ".*", "write": ".*", "read": ".*"})
    elif shutil.which("rabbitmqctl"):
        subprocess.run(["rabbitmqctl", "add_vhost", name], check=True, capture_output=True)
        subprocess.run(["rabbitmqctl", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"],
                       check=True, capture_output=True)
    else:
        raise RuntimeError("need the RabbitMQ management API or rabbitmqctl to make a test vhost")
    return f"{BASE_URI.rstrip('/')}/{quoted}"


def delete_vhost(uri: str) -> None:
    quoted = uri.rsplit("/", 1)[1]
    if management_available():
        _api("DELETE", f"/api/vhosts/{quoted}")
    elif shutil.which("rabbitmqctl"):
        subprocess.run(["rabbitmqctl", "delete_vhost", urllib.parse.unquote(quoted)],
                       capture_output=True)


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
