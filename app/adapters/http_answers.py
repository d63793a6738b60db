"""Outbound HTTP rules the adapters share: which answers mean "not now" and how long to wait.

Which 5xx answers are worth retrying is each adapter's own call (Creatio's 501 is a refusal; the chat
platform's webhook receiver may answer any 5xx while it is down), so only the 4xx part is here.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

TRANSIENT_4XX = frozenset({408, 425, 429})  # request timeout, too early, too many requests
MAX_RETRY_AFTER_SECONDS = 3600.0


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent or
    unreadable. Never below 0, and capped at MAX_RETRY_AFTER_SECONDS (an hour): a far-off or garbled
    value must not park a job for days; a server still busy then just says to wait again."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)
