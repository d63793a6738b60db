"""Turns an end-to-end run's sandbox counters into per-conversation figures and the lower bound."""

from __future__ import annotations

from typing import Any

from bench.events import MESSAGES_PER_CONVERSATION
from bench.minimum import minimum_per_conversation


def lower_bound_seconds(requests: int, latency_ms: int, concurrency: int) -> float:
    """No run can be faster: every request waits `latency_ms`, at most `concurrency` at a time."""
    return requests * latency_ms / 1000 / concurrency


def figures(
    conversations: int, latency_ms: int, concurrency: int, stats: dict[str, Any], wall: float, autofill: bool
) -> dict[str, Any]:
    n = conversations
    http_requests = stats["odata_requests"] + stats["token_requests"]
    bound = lower_bound_seconds(http_requests, latency_ms, concurrency)
    minimum = minimum_per_conversation(MESSAGES_PER_CONVERSATION, autofill_note=autofill)
    minimum_bound = lower_bound_seconds(n * minimum["http_requests"], latency_ms, concurrency)
    operations = {
        f"{method} {entity_set}": round(count / n, 2)
        for method, sets in stats["odata"].items()
        for entity_set, count in sets.items()
    }
    return {
        "wall_seconds": round(wall, 2),
        "http_requests": http_requests,
        "http_requests_per_conversation": round(stats["odata_requests"] / n, 2),
        "batches_per_conversation": round(stats["batch"]["requests"] / n, 2),
        "batch_sub_requests_per_conversation": round(stats["batch"]["sub_requests"] / n, 2),
        "operations_per_conversation": operations,
        "token_requests": stats["token_requests"],
        "lower_bound_seconds": round(bound, 2),
        "ratio": round(wall / bound, 2) if bound else None,
        "minimum": minimum,
        "minimum_lower_bound_seconds": round(minimum_bound, 2),
        "ratio_to_minimum_bound": round(wall / minimum_bound, 2) if minimum_bound else None,
    }
