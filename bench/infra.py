"""The benchmark's own broker virtual host and PostgreSQL database, removed afterwards."""

from __future__ import annotations

import os

from liaison.db import scratch
from liaison.messaging import scratch as scratch_vhosts

BASE_URI = os.environ.get("BENCH_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def create_vhost(label: str) -> str:
    """A fresh virtual host ``liaison_bench_<label>_<random>``; returns its AMQP URI."""
    return scratch_vhosts.create_vhost(BASE_URI, f"liaison_bench_{label}")


def delete_vhost(uri: str) -> None:
    scratch_vhosts.delete_vhost(BASE_URI, uri)


def postgres_available() -> bool:
    return scratch.postgres_available(PG_ADMIN_URL)


def create_pg_database(label: str) -> str:
    return scratch.create_database(PG_ADMIN_URL, f"liaison_bench_{label}")


def drop_pg_database(url: str) -> None:
    scratch.drop_database(PG_ADMIN_URL, url)
