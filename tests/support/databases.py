"""Databases for tests: a SQLite file, or a fresh PostgreSQL database (dropped afterwards)."""

from __future__ import annotations

import os
import socket

from liaison.db import scratch

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def postgres_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError:
        return False
    return scratch.postgres_available(PG_ADMIN_URL)


def create_pg_database() -> str:
    return scratch.create_database(PG_ADMIN_URL, "liaison_test")


def drop_pg_database(url: str) -> None:
    scratch.drop_database(PG_ADMIN_URL, url)
