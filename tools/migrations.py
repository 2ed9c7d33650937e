"""Each service's schema brought up to date with its own migrations (``liaison migrate``)."""

from __future__ import annotations

from liaison.config import database_url, load_config
from liaison.db import migrate
from services.catalogue import entry


def upgrade(service: str, url: str | None = None, revision: str = "head") -> None:
    """Migrate ``service``'s tables in ``url`` (default: its configured database)."""
    spec = entry(service)
    if spec.models is None:
        raise ValueError(f"{service} has no tables")
    migrate.upgrade(spec.name, spec.migrations_dir, spec.models.metadata,
                    url or database_url(load_config(), spec.name), revision)


def revision(service: str, message: str, url: str | None = None) -> None:
    """Autogenerate a migration from ``service``'s models (for developers)."""
    spec = entry(service)
    migrate.revision(spec.name, spec.migrations_dir, spec.models.metadata,
                     url or database_url(load_config(), spec.name), message)
