"""What erasing a submitter's personal data means, the same in every service (when it happens is
routing's retention rule, announced by ``case_anonymized``)."""

from __future__ import annotations

from typing import Any

from liaison.contracts.privacy import mask_text

ERASED = "（已按保存期限删除）"


def erased_submitter(submitter: dict[str, Any] | None) -> dict[str, Any]:
    """Keep the kind of submitter (statistics count them), drop who they are."""
    return {"type": (submitter or {}).get("type"), "anonymous": True, "anonymized": True}


def erased_title(title: str | None) -> str | None:
    """Titles stay for reports, with any number or address in them masked."""
    return mask_text(title) if title else title
