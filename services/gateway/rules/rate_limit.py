"""Submissions per client address and per submitter phone, in a sliding window.

Per gateway process (several replicas each count on their own: set limits accordingly), and
bounded in memory: the least recently seen keys are forgotten past ``max_keys``.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Limit:
        """``"60/60"``: 60 requests per 60 seconds."""
        count, _, seconds = str(text).partition("/")
        return cls(int(count), float(seconds or 60))


class RateLimiter:
    def __init__(self, limit: Limit, max_keys: int = 50_000,
                 clock: Callable[[], float] = time.monotonic):
        self.limit, self.max_keys, self.clock = limit, max_keys, clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, key: str) -> float:
        """Count a request for ``key``; 0 if allowed, else the seconds until it would be."""
        now = self.clock()
        hits = self._hits.pop(key, None) or deque()
        while hits and hits[0] <= now - self.limit.seconds:
            hits.popleft()
        self._hits[key] = hits
        if len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)
        if len(hits) >= self.limit.count:
            return max(hits[0] + self.limit.seconds - now, 0.001)
        hits.append(now)
        return 0.0
