"""Jinja2 templates, one per notification kind (``templates/<kind>.txt.j2``).

A template sets ``subject`` with ``{% set %}`` and renders the body. Plain text, never HTML: what a
submitter wrote is not interpreted as markup anywhere.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from liaison.contracts.county_time import LOCAL_TZ

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,  # noqa: S701 - plain-text messages, not HTML
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["local"] = local_time
    return env


def local_time(value: str | datetime | None) -> str:
    """An ISO time as Beijing time, to the minute (``2026-11-24 00:00``)."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def render(kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of one notification."""
    template = _environment().get_template(f"{kind}.txt.j2")
    body = template.render(context).strip() + "\n"
    subject = str(template.make_module(context).subject)
    return subject, body
