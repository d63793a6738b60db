"""Latency summaries (percentiles by nearest rank, in milliseconds) and the CPU this process used."""

from __future__ import annotations

import math
import resource
from collections.abc import Sequence


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99/max/mean of latencies given in seconds, reported in milliseconds."""
    values = sorted(seconds)
    mean = sum(values) / len(values) if values else 0.0
    summary = {f"p{p}_ms": percentile(values, p) * 1000 for p in (50, 90, 99)}
    summary |= {"max_ms": (values[-1] if values else 0.0) * 1000, "mean_ms": mean * 1000}
    return {key: round(value, 2) for key, value in summary.items()}


def own_cpu_seconds() -> float:
    """User + system CPU of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
