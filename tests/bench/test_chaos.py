"""A small chaos run as a plain correctness test: real processes against the faulty sandbox, one worker
killed mid-run and restarted, tokens revoked, events repeated and out of order; then the check of the
sandbox's own data (bench/chaos_check.py). No timing is asserted: `make chaos` prints the figures."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bench.chaos import check_table, run_table
from bench.chaos_cluster import Ports
from bench.chaos_run import Action, ChaosOptions, Faults, run_one
from tests.support.processes import free_port

SMALL = ChaosOptions(
    conversations=24,
    post_seconds=6.0,
    gap=0.2,
    schedule=(Action(0.3, "revoke"), Action(0.5, "kill", "worker", 0)),
    faults=Faults(hang_seconds=2.0),
    creatio_timeout_seconds=1.5,  # a hanging request still times out, sooner
    retry_max_seconds=2.0,
    drain_timeout=90.0,
)


def _ports() -> Ports:
    return Ports(serves=(free_port(), free_port()), proxy=free_port(), sandbox=free_port())


def _run(tmp_path: Path, database: str, mode: str, url: str | None) -> None:
    options = replace(SMALL, ports=_ports())
    result = run_one(options, database, mode, tmp_path, database_url=url)
    report = run_table(result) + "\n\n" + check_table(result)
    assert result["ok"], report
    assert [k["victim"] for k in result["kills"]] == ["worker-1"], report
    assert result["sandbox_faults"]["5xx"] > 0, report


def test_a_small_chaos_run_on_sqlite_loses_duplicates_and_reorders_nothing(tmp_path: Path) -> None:
    """One `serve` with workers and one worker process; a case for every conversation."""
    _run(tmp_path, "sqlite", "every", None)


@pytest.mark.postgres
def test_a_small_chaos_run_on_postgres_loses_duplicates_and_reorders_nothing(
    tmp_path: Path, postgres_url: str
) -> None:
    """`serve` for intake only and two worker processes; cases only on handoff."""
    _run(tmp_path, "postgres", "handoff", postgres_url)
