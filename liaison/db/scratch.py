"""Throw-away PostgreSQL databases, for the tests and the benchmark (made fresh, dropped after)."""

from __future__ import annotations

import uuid

import psycopg


def postgres_available(admin_url: str) -> bool:
    """Does PostgreSQL answer at ``admin_url`` (a database we may create databases from)?"""
    try:
        with psycopg.connect(admin_url, connect_timeout=3):
            return True
    except (OSError, psycopg.Error):
        return False


def create_database(admin_url: str, prefix: str) -> str:
    """A new empty database ``<prefix>_<random>``; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, url: str) -> None:
    """Drop the database of ``url`` (closing whatever is still connected to it)."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
