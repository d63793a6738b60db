"""The issue's targets for a 2-core machine, checked against the figures (printed, never enforced)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INTAKE_EVENTS_PER_SECOND = 1000
INTAKE_P99_MS = 50.0
E2E_RATIO = 1.3
PEAK_RSS_MB = 250.0


@dataclass(frozen=True)
class Check:
    name: str
    target: str
    measured: str
    passed: bool


def _ran(result: dict[str, Any] | None) -> bool:
    return bool(result) and "skipped" not in (result or {})


def check_targets(intake: list[dict[str, Any]], e2e: list[dict[str, Any]]) -> list[Check]:
    checks: list[Check] = []
    sqlite = next((r for r in intake if r["database"] == "sqlite" and _ran(r)), None)
    if sqlite is not None:
        rate, p99 = sqlite["events_per_second"], sqlite["latency"]["p99_ms"]
        checks.append(
            Check(
                "intake SQLite events/s",
                f">= {INTAKE_EVENTS_PER_SECOND}",
                f"{rate:.0f}",
                rate >= INTAKE_EVENTS_PER_SECOND,
            )
        )
        checks.append(
            Check("intake SQLite p99", f"<= {INTAKE_P99_MS:.0f} ms", f"{p99:.1f} ms", p99 <= INTAKE_P99_MS)
        )
    for run in (r for r in e2e if _ran(r)):
        checks += _e2e_checks(run)
    peaks = [r["peak_rss_mb"] for r in [*intake, *e2e] if _ran(r)]
    if peaks:
        checks.append(
            Check(
                "peak RSS of Casebridge",
                f"<= {PEAK_RSS_MB:.0f} MB",
                f"{max(peaks):.0f} MB",
                max(peaks) <= PEAK_RSS_MB,
            )
        )
    return checks


def _e2e_checks(run: dict[str, Any]) -> list[Check]:
    label = f"end to end {run['mode']}"
    ratio, minimum = run["ratio"], run["minimum"]["http_requests"]
    measured = run["http_requests_per_conversation"]
    return [
        Check(
            f"{label}: wall / lower bound",
            f"<= {E2E_RATIO}",
            f"{ratio}",
            ratio is not None and ratio <= E2E_RATIO and run["finished"],
        ),
        Check(
            f"{label}: Creatio requests / conversation",
            f"{minimum} (design minimum)",
            f"{measured}",
            measured <= minimum,
        ),
        Check(
            f"{label}: correctness",
            "all cases, activities, resolved",
            "ok" if run["check"]["ok"] else "FAILED",
            bool(run["check"]["ok"]),
        ),
    ]
