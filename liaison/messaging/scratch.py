"""Throw-away RabbitMQ virtual hosts (the tests' and the benchmark's), through the management API,
or ``rabbitmqctl`` where the API is not enabled. The counterpart of ``liaison.db.scratch``."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
from urllib.parse import urlsplit

from liaison.config import process_config, setting

MANAGEMENT = setting(process_config(), "RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672")


def api(base_uri: str, method: str, path: str, body: dict | None = None) -> int:
    """One management API call as ``base_uri``'s user; returns the HTTP status."""
    parts = urlsplit(base_uri)
    auth = f"{parts.username or 'guest'}:{parts.password or 'guest'}".encode()
    request = urllib.request.Request(  # noqa: S310 - the local management API
        MANAGEMENT + path, method=method, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": "Basic " + base64.b64encode(auth).decode(),
                 "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local API
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def management_available(base_uri: str) -> bool:
    try:
        return api(base_uri, "GET", "/api/overview") == 200
    except OSError:
        return False


def create_vhost(base_uri: str, prefix: str) -> str:
    """A fresh virtual host ``<prefix>_<random>`` that ``base_uri``'s user may use fully; returns
    its AMQP URI."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    quoted = urllib.parse.quote(name, safe="")
    user = urlsplit(base_uri).username or "guest"
    if management_available(base_uri):
        if api(base_uri, "PUT", f"/api/vhosts/{quoted}") not in (201, 204):
            raise RuntimeError(f"could not create the vhost {name}")
        api(base_uri, "PUT", f"/api/permissions/{quoted}/{urllib.parse.quote(user, safe='')}",
            {"configure": ".*", "write": ".*", "read": ".*"})
    elif shutil.which("rabbitmqctl"):
        subprocess.run(["rabbitmqctl", "add_vhost", name], check=True, capture_output=True)
        subprocess.run(["rabbitmqctl", "set_permissions", "-p", name, user, ".*", ".*", ".*"],
                       check=True, capture_output=True)
    else:
        raise RuntimeError("a throw-away vhost needs the management API or rabbitmqctl")
    return f"{base_uri.rstrip('/')}/{quoted}"


def delete_vhost(base_uri: str, uri: str) -> None:
    quoted = uri.rsplit("/", 1)[1]
    if management_available(base_uri):
        api(base_uri, "DELETE", f"/api/vhosts/{quoted}")
    elif shutil.which("rabbitmqctl"):
        subprocess.run(["rabbitmqctl", "delete_vhost", urllib.parse.unquote(quoted)],
                       capture_output=True)
