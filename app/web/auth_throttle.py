"""Throttles guessing of the admin token: the admin API's Bearer check and the console login share it.

After `MAX_FAILURES` wrong tokens from one client address within `WINDOW_SECONDS`, every attempt from
that address (a right token included, so guessing teaches nothing) is refused with 429 and Retry-After
until the oldest failure leaves the window. A right token clears the address's record. In memory, per
process: a restart forgets, and each process of a deployment counts on its own.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

logger = logging.getLogger(__name__)

MAX_FAILURES = 10
WINDOW_SECONDS = 300.0
MAX_TRACKED_CLIENTS = 10_000  # the oldest record is dropped beyond this: memory stays bounded


class AdminTokenThrottle:
    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_failures = max_failures
        self._window = window_seconds
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def wait_seconds(self, client: str) -> int:
        """0 when `client` may try; otherwise whole seconds until it may (for Retry-After)."""
        if client not in self._failures:
            return 0
        failures = self._recent(client)
        if len(failures) < self._max_failures:
            return 0
        return max(1, math.ceil(failures[0] + self._window - self._clock()))

    def refusal(self, wait_seconds: int) -> str:
        minutes = self._window / 60
        return (
            f"Too many wrong admin tokens from your address ({self._max_failures} within {minutes:g} "
            f"minutes): try again in {wait_seconds} s."
        )

    def failed(self, client: str) -> None:
        failures = self._recent(client)
        failures.append(self._clock())
        self._failures.move_to_end(client)
        while len(self._failures) > MAX_TRACKED_CLIENTS:
            self._failures.popitem(last=False)
        level = logging.WARNING if len(failures) >= self._max_failures else logging.INFO
        logger.log(level, "wrong admin token", extra={"client": client, "recent_failures": len(failures)})

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)

    def _recent(self, client: str) -> deque[float]:
        failures = self._failures.setdefault(client, deque())
        cutoff = self._clock() - self._window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        return failures
