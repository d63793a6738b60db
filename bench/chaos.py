"""`python -m bench.chaos` (`make chaos`): the chaos run. Casebridge's processes against a faulty Creatio
sandbox, with workers and `serve` killed mid-run, tokens revoked, events repeated and out of order,
on SQLite and PostgreSQL, in both case-creation modes; then a check of the sandbox's own data.

It prints a table per (database, mode) and saves everything as JSON. It never fails on timing: the exit
code is 1 when a correctness check failed, 2 when a run could not happen (e.g. PostgreSQL unreachable:
pick `--databases sqlite`), else 0. The method and the figures of a full run: docs/reliability.md.

Examples: `python -m bench.chaos` (as `make chaos`: 300 conversations per database and mode),
`python -m bench.chaos --conversations 1000 --post-seconds 90`, `python -m bench.chaos --databases
sqlite --modes every --conversations 40 --post-seconds 10`, `python -m bench.chaos --topology deploy`
(deploy/'s topology as plain processes: two `serve` behind a proxy, two workers, PostgreSQL).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.chaos_cluster import TOPOLOGIES, Ports
from bench.chaos_run import MODE_NAMES, MODES, ChaosOptions, Faults, run_one
from bench.e2e_options import AUTOFILL
from bench.machine import machine_info
from bench.postgres import PostgresUnavailable
from bench.procs import REPO_ROOT
from bench.report import save, table

DATABASES = ("sqlite", "postgres")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.chaos",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both [both]")
    p.add_argument("--modes", default="every,handoff", help="every (a case per conversation), handoff [both]")
    p.add_argument("--topology", choices=TOPOLOGIES, default="single", help="single [default] or deploy")
    p.add_argument("--conversations", type=int, default=300, help="per database and mode [300]")
    p.add_argument("--post-seconds", type=float, default=30.0, help="posting is spread over this long [30]")
    p.add_argument("--gap", type=float, default=0.3, help="seconds between two events of a conversation")
    p.add_argument("--error-rate", type=float, default=0.10, help="share of Creatio requests answered 5xx")
    p.add_argument("--rate-429", type=float, default=0.05, help="share answered 429 (Retry-After: 1)")
    p.add_argument("--timeout-rate", type=float, default=0.02, help="share of requests that hang")
    p.add_argument("--hang-seconds", type=float, default=8.0, help="how long a hanging request hangs")
    p.add_argument("--latency-ms", type=int, default=50, help="sandbox latency per request, plus jitter")
    p.add_argument("--jitter-ms", type=int, default=50)
    p.add_argument("--seed", type=int, default=7, help="the sandbox's fault RNG")
    p.add_argument("--lease-seconds", type=float, default=30.0, help="CASEBRIDGE_JOB_LEASE_SECONDS")
    p.add_argument(
        "--max-attempts",
        type=int,
        default=12,
        help="CASEBRIDGE_JOB_MAX_ATTEMPTS [12, the product's default]",
    )
    p.add_argument("--workers", type=int, default=16, help="CASEBRIDGE_WORKERS of each process running jobs")
    p.add_argument("--drain-timeout", type=float, default=300.0, help="give up draining after this long")
    p.add_argument("--port-base", type=int, default=19000, help="ports base..base+2 and base+101")
    p.add_argument(
        "--log-level", choices=("DEBUG", "INFO"), default="INFO", help="of Casebridge's processes [INFO]"
    )
    p.add_argument("--results-dir", type=Path, default=REPO_ROOT / "bench" / "results")
    p.add_argument("--keep", action="store_true", help="keep the data dirs, logs and PostgreSQL databases")
    return p


def _names(parser: argparse.ArgumentParser, text: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names or set(names) - set(allowed):
        parser.error(f"pick from {', '.join(allowed)}, not {text!r}")
    return names


def parse(argv: list[str] | None = None) -> tuple[ChaosOptions, tuple[str, ...], tuple[str, ...], Any]:
    parser = _parser()
    a = parser.parse_args(argv)
    databases = _names(parser, a.databases, DATABASES)
    if a.topology == "deploy":
        databases = ("postgres",)
    faults = Faults(
        error_rate=a.error_rate,
        rate_429=a.rate_429,
        timeout_rate=a.timeout_rate,
        hang_seconds=a.hang_seconds,
        latency_ms=a.latency_ms,
        jitter_ms=a.jitter_ms,
        seed=a.seed,
    )
    options = ChaosOptions(
        conversations=a.conversations,
        post_seconds=a.post_seconds,
        gap=a.gap,
        faults=faults,
        topology=a.topology,
        ports=Ports.from_base(a.port_base),
        workers_per_process=a.workers,
        lease_seconds=a.lease_seconds,
        max_attempts=a.max_attempts,
        drain_timeout=a.drain_timeout,
        log_level=a.log_level,
        keep_database=a.keep,
    )
    return options, databases, _names(parser, a.modes, MODES), a


def _n(value: int) -> str:
    return f"{value:,}"


def _s(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


def run_table(r: dict[str, Any]) -> str:
    """The figures of one run."""
    p, faults, tokens = r["posting"], r["sandbox_faults"], r["sandbox_tokens"]
    split = faults["5xx_split"]
    answers = ", ".join(f"{k}: {_n(v)}" for k, v in p["statuses"].items())
    revoked = ", ".join(f"{v['at']} s" for v in r["revocations"]) or "none"
    rows: list[list[object]] = [
        ["topology", r["topology_description"]],
        ["conversations", _n(r["conversations"])],
        [
            "events sent (distinct; repeats included)",
            f"{_n(r['events_distinct'])}; {_n(r['events_in_script'])}",
        ],
        ["posting time (paced)", _s(p["seconds"])],
        ["answers to the poster", answers],
        ["  posted again (not acknowledged)", _n(p["retried"])],
        ["Creatio requests (OData)", _n(r["sandbox_requests"])],
        [
            "  5xx injected (after processing)",
            f"{_n(faults['5xx'])} ({_n(split['after_processing'])})",
        ],
        ["  429 injected", _n(faults["429"])],
        ["  hanging requests", _n(faults["timeout"])],
        ["  tokens revoked at", revoked],
        ["  token requests / 401 answers", f"{_n(tokens['token_requests'])} / {_n(tokens['unauthorized'])}"],
    ]
    for k in r["kills"]:
        up = f"up again in {_s(k['restarted_after'])}"
        if k["done_after"] is None and not k["held_jobs"]:
            jobs = "runs no jobs"
        else:
            back, done = _s(k["taken_back_after"]), _s(k["done_after"])
            jobs = f"held {k['held_jobs']} jobs: back in {back}, done in {done}"
        rows.append([f"kill -9 {k['victim']} at {k['at']} s, {k['how']}", f"{jobs}; {up}"])
    jobs, attempts = r["jobs"], r["attempts"]
    rows += [
        ["time to drain after the last event", _s(r["drain_after_last_event_seconds"])],
        ["jobs done / dead", f"{_n(jobs.get('done', 0))} / {_n(jobs.get('dead', 0))}"],
        ["  jobs per conversation", r["jobs_per_conversation"]],
        ["  attempts in all / most for one job", f"{_n(attempts['total'])} / {attempts['max']}"],
        ["  attempts budget (CASEBRIDGE_JOB_MAX_ATTEMPTS)", r["max_attempts"]],
    ]
    title = f"chaos: {r['database']}, case {MODE_NAMES[r['mode']]}"
    return table([title, "value"], rows)


def check_table(r: dict[str, Any]) -> str:
    rows = [
        [c["name"], _n(c["expected"]), _n(c["found"]), "PASS" if c["ok"] else "FAIL"] for c in r["checks"]
    ]
    verdict = "PASS" if r["ok"] else "FAIL"
    text = table([f"correctness ({r['database']}, {r['mode']}): {verdict}", "expected", "found", ""], rows)
    examples = [f"  {c['name']}: {e[:160]}" for c in r["checks"] for e in c["examples"][:3]]
    return "\n".join([text, *(["what failed, e.g.:", *examples] if examples else [])])


def main(argv: list[str] | None = None) -> int:
    options, databases, modes, args = parse(argv)
    work_dir = Path(tempfile.mkdtemp(prefix="casebridge-chaos-"))
    machine = machine_info()
    results: dict[str, Any] = {"machine": machine, "options": _options_json(options), "runs": []}
    print(f"machine: {machine}", flush=True)
    print("schedule: " + "; ".join(a.describe() for a in options.schedule), flush=True)
    code = 0
    for database in databases:
        for mode in modes:
            print(
                f"\nchaos on {database}, case {MODE_NAMES[mode]}: {options.conversations} conversations",
                flush=True,
            )
            try:
                run = run_one(options, database, mode, work_dir)
            except PostgresUnavailable as exc:
                print(f"could not run: {exc}", flush=True)
                results["runs"].append({"database": database, "mode": mode, "skipped": str(exc)})
                code = max(code, 2)
                continue
            except Exception as exc:  # a process that would not start, a port in use: report, go on
                traceback.print_exc()
                results["runs"].append({"database": database, "mode": mode, "error": repr(exc)})
                code = max(code, 2)
                continue
            results["runs"].append(run)
            if run.get("database_url"):
                print(f"database kept: {run['database_url']}", flush=True)
            print("\n" + run_table(run) + "\n\n" + check_table(run), flush=True)
            if not run["ok"]:
                code = max(code, 1)
    path = save(results, args.results_dir, prefix="chaos")
    print(f"\nresults saved to {path}")
    if args.keep:
        print(f"data dirs and logs kept in {work_dir}")
    else:
        shutil.rmtree(work_dir, ignore_errors=True)
    verdict = {0: "every check passed", 1: "a correctness check FAILED", 2: "a run could not happen"}[code]
    print(f"chaos: {verdict}")
    return code


def _options_json(options: ChaosOptions) -> dict[str, Any]:
    o = replace(options, schedule=())
    return {
        "conversations": o.conversations,
        "post_seconds": o.post_seconds,
        "gap": o.gap,
        "faults": o.faults.__dict__,
        "schedule": [a.describe() for a in options.schedule],
        "topology": o.topology,
        "workers_per_process": o.workers_per_process,
        "creatio_concurrency": o.creatio_concurrency,
        "lease_seconds": o.lease_seconds,
        "creatio_timeout_seconds": o.creatio_timeout_seconds,
        "retry_max_seconds": o.retry_max_seconds,
        "max_attempts": o.max_attempts,
        "autofill_note": AUTOFILL,
    }


if __name__ == "__main__":
    raise SystemExit(main())
