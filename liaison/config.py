"""Configuration: one YAML file with ``${ENV:default}`` overrides, read the way nameko reads it.

Every process (the services under ``nameko run``, the CLI, the tests) loads the same file, so a
setting has one default, written once, in ``deploy/config.yaml``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = REPO_ROOT / "deploy" / "config.yaml"


def config_path() -> Path:
    return Path(os.environ.get("LIAISON_CONFIG", DEFAULT_CONFIG_PATH))


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """Load the YAML config, substituting environment variables as ``nameko run`` does."""
    import warnings

    with warnings.catch_warnings():  # nameko 2.14 imports the deprecated pkg_resources
        warnings.simplefilter("ignore")
        from nameko.cli.main import setup_yaml_parser

    setup_yaml_parser()
    with open(path or config_path(), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@functools.cache
def process_config() -> dict[str, Any]:
    """The configuration as this process started with it, read once: for settings read outside a
    nameko container (the metrics endpoint, the stop timer, health checks)."""
    return load_config()


def database_url(config: Mapping[str, Any], service: str) -> str:
    """The database URL of one service: ``<SERVICE>_DATABASE_URL`` wins over ``DATABASE_URL``."""
    url = os.environ.get(f"{service.upper()}_DATABASE_URL") or str(config["DATABASE_URL"])
    url = url.replace("<service>", service)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url[len("sqlite:///") :]
        if relative and relative != ":memory:":
            path = (REPO_ROOT / relative) if not Path(relative).is_absolute() else Path(relative)
            path.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{path}"
    return url


def setting(config: Mapping[str, Any], key: str, default: Any = None) -> Any:
    value = config.get(key, default)
    return default if value in (None, "") else value


def int_setting(config: Mapping[str, Any], key: str, default: int) -> int:
    return int(setting(config, key, default))


def float_setting(config: Mapping[str, Any], key: str, default: float) -> float:
    return float(setting(config, key, default))


def bool_setting(config: Mapping[str, Any], key: str, default: bool) -> bool:
    value = setting(config, key, default)
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}
