"""End-to-end benchmark: conversations posted to Casebridge until every one is a resolved Creatio case
in the sandbox (its own process, with per-request latency), counting the Creatio requests it took.

Modes: `live` posts while the workers run (wall time from the first event posted to all synced);
`backlog` posts everything with CASEBRIDGE_WORKERS=0, then restarts Casebridge with the workers and times
the drain alone: wall time from the moment the new process answers /health (every Creatio request,
the token included, falls inside it); the process start-up (Python imports, migrations check) is
reported next to it, and the ratio with it included.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from bench.e2e_check import verify
from bench.e2e_figures import figures
from bench.e2e_options import ACTIVITIES, AUTOFILL, E2EOptions, Run
from bench.e2e_post import post_conversations
from bench.e2e_watch import Watcher
from bench.floor import measure_floor
from bench.intake import database_url
from bench.machine import CpuTicks, cpu_ticks, steal_percent
from bench.postgres import PostgresUnavailable
from bench.servers import CHAT_SECRET, CasebridgeOptions, start_casebridge, start_sandbox, wait_verified

__all__ = ["E2EOptions", "run_e2e"]


def run_e2e(options: E2EOptions, work_dir: Path) -> dict[str, Any]:
    data_dir = work_dir / f"e2e-{options.mode}-{options.database}"
    data_dir.mkdir(parents=True, exist_ok=True)
    floor = None
    if options.mode == "backlog":  # what a bare client gets from the same sandbox (bench/floor.py)
        o = options
        floor = measure_floor(o.sandbox_port, o.latency_ms, o.creatio_concurrency, o.conversations, data_dir)
    try:
        with database_url(options.database, data_dir) as url:
            sandbox = start_sandbox(options.sandbox_port, options.latency_ms, data_dir)
            server = CasebridgeOptions(
                port=options.port,
                data_dir=data_dir,
                database_url=url,
                workers=options.workers,
                creatio_url=f"http://127.0.0.1:{options.sandbox_port}",
                creatio_max_concurrency=options.creatio_concurrency,
                log_level=options.log_level,
            )
            try:
                run = Run(options, server, sandbox)
                result = _live(run) if options.mode == "live" else _backlog(run)
            finally:
                sandbox.stop()
    except PostgresUnavailable as exc:
        return {"mode": options.mode, "database": options.database, "skipped": str(exc)}
    extra = {"harness_floor": floor} if floor else {}
    return {"mode": options.mode, "database": options.database} | result | extra


def _live(run: Run) -> dict[str, Any]:
    run.casebridge = start_casebridge(run.server, run.server.data_dir)
    try:
        return asyncio.run(_post_and_wait(run))
    finally:
        run.casebridge.stop()


async def _post_and_wait(run: Run) -> dict[str, Any]:
    assert run.casebridge is not None
    async with httpx.AsyncClient(base_url=run.sandbox_url, timeout=60) as sandbox:
        baseline = await _prepare(run, sandbox)
        cpu = (run.casebridge.cpu_seconds(), run.sandbox.cpu_seconds())
        ticks = cpu_ticks()
        started = time.perf_counter()
        watcher = Watcher(sandbox, started)
        sampler = asyncio.create_task(watcher.sample_forever())
        posted = await _post(run)
        posted["seconds"] = round(time.perf_counter() - started, 2)
        result = await _finish(run, watcher, baseline, cpu, ticks)
        sampler.cancel()
    done_while_posting = watcher.at(posted["seconds"])["cases_created"]
    return result | {"posting": posted, "cases_created_while_posting": done_while_posting}


def _backlog(run: Run) -> dict[str, Any]:
    loader = start_casebridge(replace(run.server, workers=0), run.server.data_dir)
    run.casebridge = loader
    try:
        baseline, posted = asyncio.run(_post_backlog(run))
    finally:
        loader.stop()
    (run.server.data_dir / "casebridge.log").rename(run.server.data_dir / "casebridge-loader.log")
    launched = time.perf_counter()
    run.casebridge = start_casebridge(run.server, run.server.data_dir)
    ready = time.perf_counter()
    try:
        result = asyncio.run(_drain(run, baseline, ready))
    finally:
        run.casebridge.stop()
    startup = ready - launched
    with_startup = result["wall_seconds"] + startup
    bound = result["lower_bound_seconds"]
    return result | {
        "posting": posted,
        "startup_seconds": round(startup, 2),
        "wall_with_startup_seconds": round(with_startup, 2),
        "ratio_with_startup": round(with_startup / bound, 2) if bound else None,
    }


async def _post_backlog(run: Run) -> tuple[set[str], dict[str, Any]]:
    async with httpx.AsyncClient(base_url=run.sandbox_url, timeout=60) as sandbox:
        baseline = await _prepare(run, sandbox)
        started = time.perf_counter()
        posted = await _post(run)
        posted["seconds"] = round(time.perf_counter() - started, 2)
        (await sandbox.delete("/__sandbox/stats")).raise_for_status()  # nothing reached it; be sure
    return baseline, posted


async def _drain(run: Run, baseline: set[str], ready: float) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=run.sandbox_url, timeout=60) as sandbox:
        watcher = Watcher(sandbox, ready)
        sampler = asyncio.create_task(watcher.sample_forever())
        assert run.casebridge is not None
        cpu = (run.casebridge.cpu_seconds(), run.sandbox.cpu_seconds())  # start-up CPU left out
        result = await _finish(run, watcher, baseline, cpu, cpu_ticks())
        sampler.cancel()
    return result


async def _prepare(run: Run, sandbox: httpx.AsyncClient) -> set[str]:
    """Wait for the seeded connection's test, note the cases already there, zero the counters."""
    await wait_verified(run.casebridge_url)
    baseline = {c["Id"] for c in (await sandbox.get("/__sandbox/cases")).json()["cases"]}
    (await sandbox.delete("/__sandbox/stats")).raise_for_status()
    return baseline


async def _post(run: Run) -> dict[str, Any]:
    o = run.options
    return await post_conversations(
        run.casebridge_url, o.conversations, o.senders, f"e{uuid.uuid4().hex[:6]}", CHAT_SECRET
    )


async def _finish(
    run: Run, watcher: Watcher, baseline: set[str], cpu: tuple[float, float], ticks: CpuTicks | None
) -> dict[str, Any]:
    """Wait until synced; then the counters, CPU, memory and the correctness check."""
    assert run.casebridge is not None
    o = run.options
    expected = o.conversations * (ACTIVITIES + AUTOFILL)
    synced_at = await watcher.wait_synced(baseline, o.conversations, expected, o.timeout)
    wall = o.timeout if synced_at is None else synced_at
    used = (run.casebridge.cpu_seconds() - cpu[0], run.sandbox.cpu_seconds() - cpu[1])
    steal = steal_percent(ticks, cpu_ticks())
    stats = await watcher.stats()
    check = await verify(run.casebridge_url, run.sandbox_url, o.conversations, ACTIVITIES + AUTOFILL)
    return figures(o.conversations, o.latency_ms, o.creatio_concurrency, stats, wall, AUTOFILL) | {
        "conversations": o.conversations,
        "workers": o.workers,
        "creatio_max_concurrency": o.creatio_concurrency,
        "latency_ms": o.latency_ms,
        "finished": synced_at is not None,
        "syncs_per_conversation": round(check["jobs"]["done"] / o.conversations, 2),
        "casebridge_cpu_percent": round(100 * used[0] / wall, 1),
        "sandbox_cpu_percent": round(100 * used[1] / wall, 1),
        "cpu_steal_percent": steal,
        "peak_rss_mb": round(run.casebridge.peak_rss_mb() or 0.0, 1),
        "sandbox_stats": stats,
        "check": check,
        "timeline": watcher.timeline,
    }
