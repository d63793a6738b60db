"""`python -m bench.run`: run the benchmarks, print the figures and targets, save them as JSON.

Examples: `python -m bench.run` (everything, as `make bench`), `python -m bench.run --only intake
--seconds 5` (a smoke run), `python -m bench.run --only e2e --conversations 100`, `python -m bench.run
--only intake --only chatwoot-intake` (the native intake beside the same conversations as Chatwoot's
webhooks). Benchmarks never fail on timing: the exit code is 0 unless a benchmark could not run at all.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench.e2e import run_e2e
from bench.e2e_options import AUTOFILL, MODES, E2EOptions
from bench.events import MESSAGES_PER_CONVERSATION
from bench.intake import IntakeOptions, run_intake
from bench.machine import machine_info, speed_note
from bench.minimum import minimum_per_conversation
from bench.procs import REPO_ROOT
from bench.report import check_table, e2e_table, intake_table, save, targets_table
from bench.targets import check_targets

PARTS = ("intake", "e2e")  # what a run without --only measures
OPTIONAL_PARTS = (
    "chatwoot-intake",
)  # the same intake as Chatwoot's signed webhooks (--only chatwoot-intake)
DATABASES = ("sqlite", "postgres")


@dataclass(frozen=True)
class Plan:
    parts: tuple[str, ...]
    databases: tuple[str, ...]
    intake: IntakeOptions
    e2e: list[E2EOptions]
    results_dir: Path
    keep: bool


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--only", choices=(*PARTS, *OPTIONAL_PARTS), action="append", help="run only this part (repeatable)"
    )
    p.add_argument("--databases", default="sqlite,postgres", help="intake databases (default: both)")
    p.add_argument("--seconds", type=float, default=20.0, help="intake: measured seconds per database")
    p.add_argument("--warmup", type=float, default=2.0, help="intake: seconds not counted at the start")
    p.add_argument("--clients", type=int, default=64, help="intake: concurrent clients")
    p.add_argument("--conversations", type=int, default=1000, help="end to end: conversations")
    p.add_argument("--senders", type=int, default=64, help="end to end: concurrent senders")
    p.add_argument("--latency-ms", type=int, default=50, help="end to end: sandbox latency per request")
    p.add_argument("--creatio-concurrency", type=int, default=16, help="CASEBRIDGE_CREATIO_MAX_CONCURRENCY")
    p.add_argument("--workers", type=int, default=64, help="end to end: CASEBRIDGE_WORKERS")
    p.add_argument("--e2e-database", choices=DATABASES, default="sqlite")
    p.add_argument("--e2e-modes", default="live,backlog", help="live (post while syncing), backlog, or both")
    p.add_argument("--timeout", type=float, default=600.0, help="end to end: give up after this long")
    p.add_argument("--port-base", type=int, default=18000, help="ports used: base, base+1, base+101")
    p.add_argument("--log-level", default="INFO", help="CASEBRIDGE_LOG_LEVEL of the measured process")
    p.add_argument("--results-dir", type=Path, default=REPO_ROOT / "bench" / "results")
    p.add_argument("--keep", action="store_true", help="keep the run's data dirs and logs")
    return p


def _names(
    parser: argparse.ArgumentParser, text: str, allowed: tuple[str, ...], what: str
) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if unknown := set(names) - set(allowed):
        parser.error(f"unknown {what}: {sorted(unknown)}")
    return names


def parse(argv: list[str] | None = None) -> Plan:
    parser = _parser()
    a = parser.parse_args(argv)
    databases = _names(parser, a.databases, DATABASES, "database(s)")
    modes = _names(parser, a.e2e_modes, MODES, "end-to-end mode(s)")
    intake = IntakeOptions(a.seconds, a.warmup, a.clients, a.port_base, a.log_level)
    e2e = [
        E2EOptions(
            mode=mode,
            conversations=a.conversations,
            senders=a.senders,
            latency_ms=a.latency_ms,
            creatio_concurrency=a.creatio_concurrency,
            workers=a.workers,
            database=a.e2e_database,
            port=a.port_base + 1,
            sandbox_port=a.port_base + 101,
            timeout=a.timeout,
            log_level=a.log_level,
        )
        for mode in modes
    ]
    return Plan(tuple(a.only or PARTS), databases, intake, e2e, a.results_dir, a.keep)


def run(plan: Plan, work_dir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine_info(), "intake": [], "e2e": []}
    results["minimum_per_conversation"] = minimum_per_conversation(
        MESSAGES_PER_CONVERSATION, autofill_note=AUTOFILL
    )
    print(f"machine: {results['machine']}", flush=True)
    if "intake" in plan.parts:
        for database in plan.databases:
            print(
                f"intake on {database}: {plan.intake.clients} clients for {plan.intake.seconds:g} s ...",
                flush=True,
            )
            results["intake"].append(run_intake(database, plan.intake, work_dir))
        print("\n" + intake_table(results["intake"]) + "\n", flush=True)
    if "chatwoot-intake" in plan.parts:
        results["intake_chatwoot"] = _chatwoot_intake(plan, work_dir)
    if "e2e" in plan.parts:
        for options in plan.e2e:
            print(
                f"end to end ({options.mode}) on {options.database}: {options.conversations} conversations",
                flush=True,
            )
            result = run_e2e(options, work_dir)
            results["e2e"].append(result)
            print("\n" + e2e_table(result) + "\n", flush=True)
            if "check" in result:
                print(check_table(result["check"]) + "\n", flush=True)
    checks = check_targets(results["intake"], results["e2e"])
    results["targets"] = [c.__dict__ for c in checks]
    print(targets_table(checks), flush=True)
    print(speed_note(results["machine"]["python_speed_us"]) + "\n", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    plan = parse(argv)
    work_dir = Path(tempfile.mkdtemp(prefix="casebridge-bench-"))
    results = run(plan, work_dir)
    path = save(results, plan.results_dir)
    print(f"results saved to {path}")
    if plan.keep:
        print(f"data dirs and logs kept in {work_dir}")
    else:
        shutil.rmtree(work_dir, ignore_errors=True)
    return 0


def _chatwoot_intake(plan: Plan, work_dir: Path) -> list[dict[str, Any]]:
    """The intake run with the same conversations as Chatwoot's signed webhooks: figures beside the native
    run's (not checked against the targets, which are the native contract's)."""
    options = replace(plan.intake, platform="chatwoot")
    runs = []
    for database in plan.databases:
        print(f"Chatwoot-shaped intake on {database}: {options.clients} clients ...", flush=True)
        runs.append(run_intake(database, options, work_dir))
    print(
        "\nChatwoot-shaped intake (POST /webhooks/chatwoot/<id>):\n" + intake_table(runs) + "\n", flush=True
    )
    return runs


if __name__ == "__main__":
    raise SystemExit(main())
