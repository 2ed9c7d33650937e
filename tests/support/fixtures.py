"""Shared fixtures: a vhost per module, a database per test (SQLite, and PostgreSQL where it
answers), in-process service containers, a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection
from sqlalchemy import Engine

from liaison.config import load_config
from liaison.db.engine import make_engine
from liaison.messaging import topology
from tests.support import broker, databases
from tests.support.smtp import SmtpSink
from tools.migrations import upgrade

_PG = None


def pg_available() -> bool:
    global _PG
    if _PG is None:
        _PG = databases.postgres_available()
    return _PG


@pytest.fixture(scope="session")
def vhost_factory():
    created: list[str] = []

    def make() -> str:
        uri = broker.create_vhost()
        created.append(uri)
        with Connection(uri) as connection:
            topology.declare_all(connection)
        return uri

    yield make
    for uri in created:
        broker.delete_vhost(uri)


@pytest.fixture(scope="module")
def amqp_uri(vhost_factory) -> str:
    """A virtual host of this test module's own, with the whole topology declared."""
    return vhost_factory()


@pytest.fixture
def clean_queues(amqp_uri) -> str:
    """Empty every queue of the module's vhost before the test."""
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        for spec in topology.CONSUMER_QUEUES.values():
            for name in (spec.name, spec.retry_name, spec.dead_name):
                channel.queue_purge(name)
    return amqp_uri


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path: Path) -> Iterator[str]:
    """A ``DATABASE_URL`` template (``<service>`` in it) for an empty database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/<service>.db"
        return
    if not pg_available():
        pytest.skip("PostgreSQL does not answer at 127.0.0.1:5432")
    url = databases.create_pg_database()
    try:
        yield url
    finally:
        databases.drop_pg_database(url)


def url_for(template: str, service: str) -> str:
    return template.replace("<service>", service)


def migrate(template: str, *services: str) -> None:
    for service in services:
        upgrade(service, url_for(template, service))


@contextmanager
def migrated_engine(template: str, service: str) -> Iterator[Engine]:
    """``service``'s database, migrated, as an engine disposed of afterwards."""
    migrate(template, service)
    engine = make_engine(url_for(template, service))
    try:
        yield engine
    finally:
        engine.dispose()


def service_config(amqp_uri: str, database_url: str, **overrides: Any) -> dict[str, Any]:
    config = load_config()
    config.update({
        "AMQP_URI": amqp_uri,
        "DATABASE_URL": database_url,
        "MAX_ATTEMPTS": 3,
        "OUTBOX_POLL_SECONDS": 0.2,
        "max_workers": 4,
    })
    config.pop("LOGGING", None)
    config.update(overrides)
    return config


@contextmanager
def running(service_cls, config: dict[str, Any]):
    """One nameko service container in this process, stopped (gracefully) afterwards."""
    from nameko.containers import ServiceContainer

    container = ServiceContainer(service_cls, config)
    container.start()
    try:
        yield container
    finally:
        container.stop()


@pytest.fixture
def smtp_sink(tmp_path: Path) -> Iterator[SmtpSink]:
    sink = SmtpSink(tmp_path).start()
    try:
        yield sink
    finally:
        sink.stop()
