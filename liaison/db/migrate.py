"""Alembic, driven per service: each service has ``services/<name>/migrations`` and its own
version table (``alembic_version_<name>``), so four services can share one PostgreSQL database."""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config

from liaison.config import REPO_ROOT, database_url, load_config
from liaison.db.engine import normalise_url

SERVICES_WITH_TABLES = ("intake", "routing", "archive", "notify")


def alembic_config(service: str, url: str | None = None) -> Config:
    if service not in SERVICES_WITH_TABLES:
        raise ValueError(f"unknown service {service!r}; one of {', '.join(SERVICES_WITH_TABLES)}")
    cfg = Config()
    cfg.set_main_option("script_location", str(REPO_ROOT / "services" / service / "migrations"))
    cfg.set_main_option("version_table", f"alembic_version_{service}")
    cfg.attributes["service"] = service
    cfg.attributes["url"] = normalise_url(url or database_url(load_config(), service))
    return cfg


def upgrade(service: str, url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, url), revision)


def revision(service: str, message: str, url: str | None = None) -> None:
    """Autogenerate a migration from the service's models (for developers)."""
    command.revision(alembic_config(service, url), message=message, autogenerate=True)


def run_env(context) -> None:
    """The body of every service's ``migrations/env.py``."""
    from sqlalchemy import create_engine

    cfg = context.config
    service = cfg.attributes["service"]
    metadata = importlib.import_module(f"services.{service}.models").metadata
    engine = create_engine(cfg.attributes["url"])
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=cfg.get_main_option("version_table"),
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def migrations_dir(service: str) -> Path:
    return REPO_ROOT / "services" / service / "migrations"
