"""Retention of personal data: THE file for how long a submitter's name, phone and words are kept.

A case closed (or merged into another) more than ``RETENTION_DAYS`` days ago is anonymised: routing
publishes ``case_anonymized`` once per case, and intake, archive and notify each erase the
submitter's personal data from their own copies. What statistics and deputies' archives need
(station, status, dates, category, the steps taken and by whom) stays.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.routing.rules.lifecycle import CLOSED, MERGED

ENDED = (CLOSED, MERGED)
DEFAULT_RETENTION_DAYS = 3 * 365


def erasure_cutoff(now: datetime, days: int) -> datetime:
    """Cases that ended before this moment are past their retention."""
    return now - timedelta(days=days)
