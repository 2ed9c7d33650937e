"""The benchmark's own broker virtual host and PostgreSQL database, removed afterwards."""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from urllib.parse import urlsplit

from liaison.db import scratch

BASE_URI = os.environ.get("BENCH_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
MANAGEMENT = os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672")
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _api(method: str, path: str, body: dict | None = None) -> int:
    parts = urlsplit(BASE_URI)
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


def create_vhost(label: str) -> str:
    """A fresh virtual host ``liaison_bench_<label>_<random>``; returns its AMQP URI."""
    name = f"liaison_bench_{label}_{uuid.uuid4().hex[:8]}"
    quoted = urllib.parse.quote(name, safe="")
    user = urlsplit(BASE_URI).username or "guest"
    if _api("PUT", f"/api/vhosts/{quoted}") not in (201, 204):
        raise RuntimeError("could not create a vhost: is the management plugin enabled?")
    _api("PUT", f"/api/permissions/{quoted}/{user}", {"configure": ".*", "write": ".*", "read": ".*"})
    return f"{BASE_URI.rstrip('/')}/{quoted}"


def delete_vhost(uri: str) -> None:
    _api("DELETE", f"/api/vhosts/{uri.rsplit('/', 1)[1]}")


def postgres_available() -> bool:
    return scratch.postgres_available(PG_ADMIN_URL)


def create_pg_database(label: str) -> str:
    return scratch.create_database(PG_ADMIN_URL, f"liaison_bench_{label}")


def drop_pg_database(url: str) -> None:
    scratch.drop_database(PG_ADMIN_URL, url)
