"""What the benchmark publishes: the demo's realistic submissions, each under a fresh external id."""

from __future__ import annotations

import json
from typing import Any

from tools.demo import load_submissions


def submissions(n: int, run_id: str) -> list[tuple[str, bytes]]:
    """``n`` (external_id, JSON body) pairs cycling through the demo submissions."""
    # anonymous submitters get no receipt; the bench counts a case done once it has notifications
    base = [s for s in load_submissions() if not s["submitter"].get("anonymous")]
    out = []
    for i in range(n):
        doc: dict[str, Any] = dict(base[i % len(base)])
        doc["external_id"] = f"bench-{run_id}-{i:06d}"
        out.append((doc["external_id"], json.dumps(doc, ensure_ascii=False).encode("utf-8")))
    return out
