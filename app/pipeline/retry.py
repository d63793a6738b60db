"""Backoff for failed jobs: exponential with jitter, never sooner than the server's Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 1.0
    max_seconds: float = 300.0
    auth_failure_seconds: float = 60.0
    not_connected_seconds: float = 30.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before the next attempt (attempt counts from 1)."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        jittered = self.rng.uniform(ceiling / 2, ceiling)  # "equal jitter": spread out, never near zero
        return max(jittered, retry_after or 0.0)
