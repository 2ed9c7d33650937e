"""Jinja2 templates, one per notification kind (``templates/<kind>.txt.j2``).

A template sets ``subject`` with ``{% set %}`` and renders the body. Plain text, never HTML: what a
submitter wrote is not interpreted as markup anywhere.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,  # noqa: S701 - plain-text messages, not HTML
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render(kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of one notification."""
    template = _environment().get_template(f"{kind}.txt.j2")
    body = template.render(context).strip() + "\n"
    subject = str(template.make_module(context).subject)
    return subject, body
