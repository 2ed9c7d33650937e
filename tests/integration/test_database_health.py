"""The health check's database probe after the server dropped a pooled connection (a PostgreSQL
restart): the engine has no pre-ping, so the probe must not report the database down for it."""

import pytest
from sqlalchemy import create_engine, text

from liaison.db.engine import normalise_url
from liaison.service_kit.health import database_status
from services.intake.adapters.models import messaging
from tests.support.databases import PG_ADMIN_URL
from tests.support.fixtures import migrated_engine


def test_the_probe_answers_after_the_server_dropped_the_pooled_connection(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("dropping a connection from the server side needs PostgreSQL")
    with migrated_engine(database_url, "intake") as engine:
        assert database_status(engine, messaging)["ok"]
        with engine.connect() as conn:  # the pool's one connection, back in the pool afterwards
            backend = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        admin = create_engine(normalise_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                assert conn.execute(text("SELECT pg_terminate_backend(:pid)"),
                                    {"pid": backend}).scalar_one()
        finally:
            admin.dispose()
        status = database_status(engine, messaging)
        assert status["ok"] and status["outbox_backlog"] == 0
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() != backend
