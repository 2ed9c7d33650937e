"""Alembic, driven per service: each service has its own ``migrations/`` folder and its own
version table (``alembic_version_<name>``), so several services can share one PostgreSQL database.
The caller (``tools/``) hands over the service's name, migrations folder and tables."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

from liaison.db.engine import normalise_url


def alembic_config(name: str, migrations_dir: Path, metadata: MetaData, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("version_table", f"alembic_version_{name}")
    cfg.attributes["service"] = name
    cfg.attributes["metadata"] = metadata
    cfg.attributes["url"] = normalise_url(url)
    return cfg


def upgrade(name: str, migrations_dir: Path, metadata: MetaData, url: str,
            revision: str = "head") -> None:
    command.upgrade(alembic_config(name, migrations_dir, metadata, url), revision)


def revision(name: str, migrations_dir: Path, metadata: MetaData, url: str, message: str) -> None:
    """Autogenerate a migration from the service's models (for developers)."""
    command.revision(alembic_config(name, migrations_dir, metadata, url), message=message,
                     autogenerate=True)


def run_env(context) -> None:
    """The body of every service's ``migrations/env.py``."""
    from sqlalchemy import create_engine

    cfg = context.config
    engine = create_engine(cfg.attributes["url"])
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=cfg.attributes["metadata"],
            version_table=cfg.get_main_option("version_table"),
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
