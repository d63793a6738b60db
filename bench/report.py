"""Prints the figures as tables and saves everything as JSON under bench/results/."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.targets import Check


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table with left-aligned columns."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def intake_table(results: Sequence[dict[str, Any]]) -> str:
    rows = []
    for r in results:
        if "skipped" in r:
            continue
        lat = r["latency"]
        cpu = f"{r['server_cpu_percent']:.0f}% / {r['loadgen_cpu_percent']:.0f}%"
        errors = r["requests"] - r["accepted"]
        rate, p50, p99, worst = r["events_per_second"], lat["p50_ms"], lat["p99_ms"], lat["max_ms"]
        rss = r["peak_rss_mb"]
        rows.append(
            [
                r["database"],
                f"{rate:.0f}",
                f"{p50:.1f}",
                f"{p99:.1f}",
                f"{worst:.0f}",
                errors,
                cpu,
                f"{rss:.0f}",
                _steal(r),
            ]
        )
    headers = ["database", "events/s", "p50 ms", "p99 ms", "max ms", "errors", "CPU server/loadgen"]
    text = table([*headers, "peak RSS MB", "CPU steal"], rows) if rows else ""
    skipped = [f"{r['database']}: skipped: {r['skipped']}" for r in results if "skipped" in r]
    return "\n".join([text, *skipped]).strip()


def e2e_table(r: dict[str, Any]) -> str:
    if "skipped" in r:
        return f"end to end {r['mode']} ({r['database']}): skipped: {r['skipped']}"
    rows: list[list[object]] = [
        ["conversations", r["conversations"]],
        ["finished", r["finished"]],
        *_timing_rows(r),
        ["Creatio HTTP requests (OData + token)", r["http_requests"]],
        ["lower bound (requests x latency / concurrency)", f"{r['lower_bound_seconds']} s"],
        ["wall / lower bound", r["ratio"]],
        ["wall / minimum-design bound", r["ratio_to_minimum_bound"]],
        ["HTTP requests per conversation", r["http_requests_per_conversation"]],
        ["  design minimum", r["minimum"]["http_requests"]],
        ["$batch per conversation", r["batches_per_conversation"]],
        ["$batch sub-requests per conversation", r["batch_sub_requests_per_conversation"]],
        *[[f"  {op} per conversation", v] for op, v in sorted(r["operations_per_conversation"].items())],
        ["token requests", r["token_requests"]],
        ["sync jobs per conversation", r["syncs_per_conversation"]],
        ["CPU Casebridge / sandbox", f"{r['casebridge_cpu_percent']:.0f}% / {r['sandbox_cpu_percent']:.0f}%"],
        ["peak RSS Casebridge", f"{r['peak_rss_mb']:.0f} MB"],
        ["CPU steal (time the hypervisor gave other machines)", _steal(r)],
    ]
    return table([f"end to end {r['mode']} ({r['database']})", "value"], rows)


def _steal(r: dict[str, Any]) -> str:
    steal = r.get("cpu_steal_percent")
    return "n/a" if steal is None else f"{steal:.1f}%"


def _timing_rows(r: dict[str, Any]) -> list[list[object]]:
    if r["mode"] == "live":
        return [
            ["wall time (first event posted -> all synced)", f"{r['wall_seconds']} s"],
            ["  posting the events (workers running)", f"{r['posting']['seconds']} s"],
            ["  CPU of the poster (this process)", f"{r['posting']['poster_cpu_seconds']} s"],
            ["  cases created while posting", r["cases_created_while_posting"]],
        ]
    return [
        ["events posted first, with no workers", f"{r['posting']['seconds']} s (not timed)"],
        ["wall time (process answers /health -> all synced)", f"{r['wall_seconds']} s"],
        ["  before that: process start-up until /health", f"{r['startup_seconds']} s"],
        ["  wall / lower bound with the start-up included", r["ratio_with_startup"]],
        *_floor_rows(r),
    ]


def _floor_rows(r: dict[str, Any]) -> list[list[object]]:
    floor = r.get("harness_floor")
    if not floor:
        return []
    return [
        [
            "harness floor: bare adapter client, same requests, fresh sandbox",
            f"{floor['wall_seconds']} s = {floor['ratio']} x lower bound",
        ]
    ]


def check_table(check: dict[str, Any]) -> str:
    rows = [[key, json.dumps(value) if isinstance(value, dict) else value] for key, value in check.items()]
    return table(["correctness check", "value"], rows)


def targets_table(checks: Sequence[Check]) -> str:
    if not checks:
        return "(no target applies to the parts that ran)"
    rows = [[c.name, c.target, c.measured, "PASS" if c.passed else "FAIL"] for c in checks]
    return table(["target (2-core machine)", "target", "measured", "result"], rows)


def save(results: dict[str, Any], directory: Path, prefix: str = "bench") -> Path:
    """Write `<prefix>-<UTC timestamp>.json` and `latest.json` (`<prefix>-latest.json` for another
    prefix than bench); return the first path."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{prefix}-{stamp}.json"
    text = json.dumps(results, indent=2, sort_keys=True)
    path.write_text(text + "\n")
    latest = "latest.json" if prefix == "bench" else f"{prefix}-latest.json"
    (directory / latest).write_text(text + "\n")
    return path
