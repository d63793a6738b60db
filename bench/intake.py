"""Intake benchmark: events/s and latency of POST /api/v1/events, one database per run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.loadgen import SECRET_ENV
from bench.machine import cpu_ticks, steal_percent
from bench.postgres import PostgresUnavailable, fresh_database
from bench.procs import REPO_ROOT
from bench.servers import CHAT_SECRET, CasebridgeOptions, start_casebridge


@dataclass(frozen=True)
class IntakeOptions:
    seconds: float = 20.0
    warmup: float = 2.0
    clients: int = 64
    port: int = 18000
    log_level: str = "INFO"
    platform: str = "native"  # or "chatwoot": the same conversations as Chatwoot's signed webhooks


@contextmanager
def database_url(database: str, data_dir: Path) -> Iterator[str]:
    """SQLite in the run's data dir, or a fresh PostgreSQL database (PostgresUnavailable if none)."""
    if database == "sqlite":
        yield f"sqlite+aiosqlite:///{(data_dir / 'casebridge.db').as_posix()}"
        return
    with fresh_database() as url:
        yield url


def run_intake(database: str, options: IntakeOptions, work_dir: Path) -> dict[str, Any]:
    """One intake run; a missing PostgreSQL gives {"skipped": reason} instead of figures."""
    data_dir = work_dir / f"intake-{database}-{options.platform}"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        with database_url(database, data_dir) as url:
            return _measure(database, url, options, data_dir)
    except PostgresUnavailable as exc:
        return {"database": database, "skipped": str(exc)}


def _measure(database: str, url: str, options: IntakeOptions, data_dir: Path) -> dict[str, Any]:
    server_options = CasebridgeOptions(
        port=options.port,
        data_dir=data_dir,
        database_url=url,
        workers=0,
        log_level=options.log_level,
        chatwoot_connector=options.platform == "chatwoot",
    )
    server = start_casebridge(server_options, data_dir)
    try:
        cpu_before, ticks_before, started = server.cpu_seconds(), cpu_ticks(), time.monotonic()
        load = _run_loadgen(f"http://127.0.0.1:{options.port}", options)
        elapsed = time.monotonic() - started
        server_cpu = server.cpu_seconds() - cpu_before
        steal = steal_percent(ticks_before, cpu_ticks())
        peak_rss = server.peak_rss_mb()
    finally:
        server.stop()
    return {
        "database": database,
        "platform": options.platform,
        "workers": 0,
        **load,
        "server_cpu_seconds": round(server_cpu, 2),
        "server_cpu_percent": round(100 * server_cpu / elapsed, 1),
        "loadgen_cpu_percent": round(100 * load["loadgen_cpu_seconds"] / elapsed, 1),
        "peak_rss_mb": round(peak_rss or 0.0, 1),
        "cpu_steal_percent": steal,
    }


def _run_loadgen(url: str, options: IntakeOptions) -> dict[str, Any]:
    """`python -m bench.loadgen` in a process of its own; its last stdout line is the JSON result."""
    args = [sys.executable, "-m", "bench.loadgen", "--url", url, "--seconds", str(options.seconds)]
    args += ["--warmup", str(options.warmup), "--clients", str(options.clients)]
    args += ["--run-id", f"i{uuid.uuid4().hex[:8]}", "--platform", options.platform]
    completed = subprocess.run(
        args,
        env=os.environ | {SECRET_ENV: CHAT_SECRET},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=options.seconds + options.warmup + 120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"load generator failed ({completed.returncode}):\n{completed.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result
