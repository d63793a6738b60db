"""Request counters for benchmarks: token calls, OData operations per method and set, batches, faults."""

from __future__ import annotations

from collections import Counter
from typing import Any


class RequestStats:
    """Counts what the sandbox served since start or the last reset."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.odata_requests = 0
        self.token_requests = 0
        self.tokens_issued = 0
        self.token_errors: Counter[str] = Counter()
        self.unauthorized = 0
        self.odata: Counter[tuple[str, str]] = Counter()
        self.batches = 0
        self.batch_sub_requests = 0
        self.faults: Counter[str] = Counter()
        self.webhook_attempts = 0

    def count_operation(self, method: str, entity_set: str) -> None:
        """One OData operation, direct or inside a $batch."""
        self.odata[(method, entity_set)] += 1

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready view: `odata` is {"GET": {"Case": 3}, ...}."""
        odata: dict[str, dict[str, int]] = {}
        for (method, entity_set), count in sorted(self.odata.items()):
            odata.setdefault(method, {})[entity_set] = count
        return {
            "odata_requests": self.odata_requests,
            "token_requests": self.token_requests,
            "tokens_issued": self.tokens_issued,
            "token_errors": dict(self.token_errors),
            "unauthorized": self.unauthorized,
            "odata": odata,
            "odata_operations": sum(self.odata.values()),
            "batch": {"requests": self.batches, "sub_requests": self.batch_sub_requests},
            "faults": {kind: self.faults[kind] for kind in ("latency", "5xx", "429", "timeout")},
            "webhook_attempts": self.webhook_attempts,
        }
