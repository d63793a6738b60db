"""One chaos run: one database, one case-creation mode, one topology (bench/chaos_cluster.py).

The schedule, in the order it happens:
1. The sandbox starts without faults; Casebridge's processes start (the deploy topology migrates first)
   with the connection seeded from the environment, and the run waits until it is verified.
2. The sandbox's faults go on (`PUT /__sandbox/faults`): 5xx, 429 with Retry-After, hanging requests,
   latency with jitter, short-lived tokens; 5xx after processing (the request is carried out, then
   answered 5xx) is switched on and off every few seconds for the rest of the run.
3. The poster (bench/chaos_post.py) sends the conversations (bench/chaos_script.py), paced over the
   posting time, while the actions of the schedule happen at their share of that time: `kill -9` of a
   worker, of `serve`, token revocations. A killed process is started again at once: in place (its data
   directory, so it takes its predecessor's jobs back at once) or, the first time, replaced by one with a
   new data directory, as on another machine (its jobs come back when their leases run out).
4. After the last event was acknowledged, the run waits until no job is queued or running (the drain),
   switches the faults off and checks the sandbox's data (bench/chaos_check.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

from bench.chaos_check import (
    Item,
    check_acknowledged,
    check_jobs,
    check_posting,
    check_sandbox,
    read_cases,
    read_contacts,
)
from bench.chaos_cluster import (
    Cluster,
    ClusterSettings,
    Ports,
    build_members,
    run_migrate,
    start_proxy,
    topology_for,
)
from bench.chaos_jobs import JobProbe, KillRecord, follow_kill
from bench.chaos_post import Poster
from bench.chaos_script import Script, scripts
from bench.e2e_options import AUTOFILL
from bench.postgres import fresh_database
from bench.procs import Child
from bench.servers import CHAT_SECRET, start_sandbox, wait_verified

MODES = ("every", "handoff")  # create_case_only_on_handoff off, on
MODE_NAMES = {"every": "every conversation", "handoff": "only on handoff"}


@dataclass(frozen=True)
class Action:
    """At `at` of the posting time: `kill -9` a process (`role`, `index` among them, wrapping around),
    or revoke every token the sandbox issued."""

    at: float
    kind: Literal["kill", "revoke"]
    role: str = "worker"
    index: int = 0
    replaced: bool = False  # started again with a new data directory: its jobs wait for their leases

    def describe(self) -> str:
        if self.kind == "revoke":
            return f"{self.at:.0%}: revoke all tokens"
        how = "replaced (new data dir)" if self.replaced else "restarted in place"
        return f"{self.at:.0%}: kill -9 {self.role} #{self.index + 1}, {how}"


FULL_SCHEDULE = (
    Action(0.10, "kill", "worker", 0, replaced=True),
    Action(0.20, "revoke"),
    Action(0.35, "kill", "worker", 1),
    Action(0.50, "kill", "serve", 0),
    Action(0.60, "revoke"),
    Action(0.70, "kill", "worker", 0),
    Action(0.85, "revoke"),
)


@dataclass(frozen=True)
class Faults:
    error_rate: float = 0.10
    rate_429: float = 0.05
    timeout_rate: float = 0.02
    hang_seconds: float = 8.0
    latency_ms: int = 50
    jitter_ms: int = 50
    token_lifetime_seconds: int = 60
    toggle_seconds: float = 3.0  # error_after_processing flips this often
    seed: int = 7

    def profile(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms,
            "latency_jitter_ms": self.jitter_ms,
            "error_rate": self.error_rate,
            "error_after_processing": False,
            "rate_429": self.rate_429,
            "retry_after_seconds": 1,
            "timeout_rate": self.timeout_rate,
            "timeout_seconds": self.hang_seconds,
            "token_lifetime_seconds": self.token_lifetime_seconds,
            "seed": self.seed,
        }


NO_FAULTS = {"latency_ms": 0, "latency_jitter_ms": 0, "error_rate": 0.0, "rate_429": 0.0, "timeout_rate": 0.0}


@dataclass(frozen=True)
class ChaosOptions:
    conversations: int = 300
    post_seconds: float = 30.0
    gap: float = 0.3  # between two events of one conversation
    faults: Faults = field(default_factory=Faults)
    schedule: tuple[Action, ...] = FULL_SCHEDULE
    topology: str = "single"
    ports: Ports = field(default_factory=lambda: Ports.from_base(19000))
    workers_per_process: int = 16
    creatio_concurrency: int = 8
    lease_seconds: float = 30.0
    creatio_timeout_seconds: float = 5.0
    retry_max_seconds: float = 10.0
    max_attempts: int = 12  # the product's default
    drain_timeout: float = 300.0
    keep_database: bool = False  # a PostgreSQL database is dropped after the run unless kept
    log_level: str = "INFO"  # or DEBUG: the job runners' ids are read from a line they log at INFO


@dataclass
class _State:
    """What a run collects while it goes on."""

    t0: float = 0.0
    kills: list[KillRecord] = field(default_factory=list)
    followers: list[asyncio.Task[None]] = field(default_factory=list)
    revocations: list[dict[str, Any]] = field(default_factory=list)
    fivexx: dict[str, int] = field(default_factory=lambda: {"before_processing": 0, "after_processing": 0})

    def clock(self) -> float:
        return time.perf_counter()

    def since_start(self) -> float:
        return self.clock() - self.t0


def run_one(
    options: ChaosOptions, database: str, mode: str, work_dir: Path, database_url: str | None = None
) -> dict[str, Any]:
    """One run; raises bench.postgres.PostgresUnavailable when PostgreSQL is wanted but unreachable."""
    data_root = work_dir / f"{database}-{mode}"
    data_root.mkdir(parents=True, exist_ok=True)
    topology = topology_for(options.topology, database)
    with _database(database, data_root, database_url, options.keep_database) as url:
        sandbox = start_sandbox(options.ports.sandbox, 0, data_root)
        settings = ClusterSettings(
            database_url=url,
            sandbox_url=f"http://127.0.0.1:{options.ports.sandbox}",
            handoff_only=mode == "handoff",
            data_root=data_root,
            workers_per_process=options.workers_per_process,
            creatio_concurrency=options.creatio_concurrency,
            lease_seconds=options.lease_seconds,
            creatio_timeout_seconds=options.creatio_timeout_seconds,
            retry_max_seconds=options.retry_max_seconds,
            max_attempts=options.max_attempts,
            log_level=options.log_level,
        )
        cluster = Cluster(build_members(topology, options.ports, settings), data_root)
        proxy: Child | None = None
        try:
            if topology.migrate_first:
                run_migrate(cluster.members, data_root)
            cluster.start_all()
            serves = cluster.by_role("serve")
            if topology.proxy:
                proxy = start_proxy(options.ports.proxy, [m.url for m in serves], data_root)
                urls = [f"http://127.0.0.1:{options.ports.proxy}"]
            else:
                urls = [m.url for m in serves]
            run = _Run(options, cluster, settings, urls)
            result = asyncio.run(run.go())
        finally:
            if proxy is not None:
                proxy.stop()
            cluster.stop_all()
            sandbox.stop()
    return {
        "database": database,
        "mode": mode,
        "topology": topology.name,
        "topology_description": topology.describe(),
        "logs": str(data_root),
        "database_url": url if database == "postgres" and options.keep_database else None,
    } | result


@contextmanager
def _database(database: str, data_root: Path, given: str | None, keep: bool) -> Iterator[str]:
    """The given URL, SQLite in the run's directory, or a fresh PostgreSQL database (kept with `keep`)."""
    if given is not None:
        yield given
    elif database == "sqlite":
        yield f"sqlite+aiosqlite:///{(data_root / 'casebridge.db').as_posix()}"
    else:
        with fresh_database(keep=keep) as url:
            yield url


class _Run:
    def __init__(self, options: ChaosOptions, cluster: Cluster, settings: ClusterSettings, urls: list[str]):
        self.o = options
        self.cluster = cluster
        self.settings = settings
        self.urls = urls
        self.state = _State()
        self.sandbox = httpx.AsyncClient(base_url=settings.sandbox_url, timeout=60)
        self.probe = JobProbe(settings.database_url)
        self._after_processing = False
        self._counted_5xx = 0

    async def go(self) -> dict[str, Any]:
        try:
            return await self._go()
        finally:
            for task in self.state.followers:
                task.cancel()
            await self.probe.close()
            await self.sandbox.aclose()

    async def _go(self) -> dict[str, Any]:
        o, state = self.o, self.state
        await wait_verified(self.urls[0])
        baseline = {str(c["Id"]) for c in (await self._get("/__sandbox/cases"))["cases"]}
        (await self.sandbox.delete("/__sandbox/stats")).raise_for_status()
        (await self.sandbox.put("/__sandbox/faults", json=o.faults.profile())).raise_for_status()
        plan = scripts(f"c{int(time.time()) % 100000:05d}", o.conversations)
        state.t0 = state.clock() + 0.2
        poster = Poster(self.urls, CHAT_SECRET)
        toggler = asyncio.create_task(self._toggle_after_processing())
        schedule = asyncio.create_task(self._schedule())
        log = await poster.run(plan, o.post_seconds, o.gap, started=state.t0)
        await schedule
        last_event = state.t0 + log.last_ack_at
        counts, drained_at = await self._drain()
        toggler.cancel()
        await self._count_5xx()
        stats = await self._get("/__sandbox/stats")
        (await self.sandbox.put("/__sandbox/faults", json=NO_FAULTS)).raise_for_status()
        if state.followers:
            await asyncio.wait(state.followers, timeout=5)
        posting = log.summary() | {"accepted_ids": log.acknowledged_202}
        return await self._report(plan, posting, baseline, counts, stats, last_event, drained_at)

    async def _get(self, path: str) -> dict[str, Any]:
        answer: dict[str, Any] = (await self.sandbox.get(path)).raise_for_status().json()
        return answer

    async def _drain(self) -> tuple[dict[str, int], float | None]:
        """Poll the jobs table every 0.2 s until nothing is queued or running; when that was seen."""
        deadline = self.state.clock() + self.o.drain_timeout
        while True:
            counts = await self.probe.counts()
            if counts.get("queued", 0) + counts.get("running", 0) == 0:
                return counts, self.state.clock()
            if self.state.clock() > deadline:
                return counts, None
            await asyncio.sleep(0.2)

    async def _schedule(self) -> None:
        for action in self.o.schedule:
            await asyncio.sleep(max(0.0, action.at * self.o.post_seconds - self.state.since_start()))
            if action.kind == "revoke":
                revoked = (await self.sandbox.post("/__sandbox/tokens/revoke")).json()["revoked"]
                self.state.revocations.append({"at": round(self.state.since_start(), 1), "revoked": revoked})
            else:
                await self._kill(action)

    async def _kill(self, action: Action) -> None:
        members = self.cluster.by_role(action.role)
        member = members[action.index % len(members)]
        owner = member.worker_id
        if owner is not None:  # kill it in the middle of a job, if it gets one within 3 s
            for _ in range(60):
                if await self.probe.held_by(owner):
                    break
                await asyncio.sleep(0.05)
        killed_at = self.state.clock()
        await asyncio.to_thread(self.cluster.kill, member)
        how = "replaced (new data dir)" if action.replaced else "restarted in place"
        record = KillRecord(member.name, killed_at - self.state.t0, how)
        if owner is not None:  # nothing can touch them now until they are released or their leases end
            record.held = await self.probe.held_by(owner)
            self.state.followers.append(
                asyncio.create_task(follow_kill(self.probe, record, owner, killed_at, self.state.clock))
            )
        self.state.kills.append(record)
        await asyncio.to_thread(self.cluster.restart, member, new_data_dir=action.replaced)
        record.restarted_after = self.state.clock() - killed_at

    async def _toggle_after_processing(self) -> None:
        while True:
            await asyncio.sleep(self.o.faults.toggle_seconds)
            await self._count_5xx()
            self._after_processing = not self._after_processing
            change = {"error_after_processing": self._after_processing}
            (await self.sandbox.put("/__sandbox/faults", json=change)).raise_for_status()

    async def _count_5xx(self) -> None:
        """Add the 5xx answered since the last count to the kind (before or after processing) in force."""
        total = int((await self._get("/__sandbox/stats"))["faults"]["5xx"])
        key = "after_processing" if self._after_processing else "before_processing"
        self.state.fivexx[key] += total - self._counted_5xx
        self._counted_5xx = total

    async def _report(
        self,
        plan: list[Script],
        posting: dict[str, Any],
        baseline: set[str],
        counts: dict[str, int],
        stats: dict[str, Any],
        last_event: float,
        drained_at: float | None,
    ) -> dict[str, Any]:
        handoff_only = self.settings.handoff_only
        cases = await read_cases(self.settings.sandbox_url, baseline)
        contacts = await read_contacts(self.settings.sandbox_url)
        items: list[Item] = check_sandbox(plan, cases, contacts, handoff_only=handoff_only, autofill=AUTOFILL)
        items += check_jobs(counts, await self.probe.dead_errors())
        accepted = posting.pop("accepted_ids")
        items.append(check_acknowledged(plan, cases, accepted, handoff_only=handoff_only))
        items += check_posting(plan, posting)
        done_syncs = counts.get("done", 0)
        return {
            "conversations": len(plan),
            "events_distinct": sum(s.distinct_events for s in plan),
            "events_in_script": sum(len(s.events) for s in plan),
            "posting": posting,
            "drain_after_last_event_seconds": None
            if drained_at is None
            else round(drained_at - last_event, 2),
            "kills": [k.summary() for k in self.state.kills],
            "revocations": self.state.revocations,
            "sandbox_faults": stats["faults"] | {"5xx_split": self.state.fivexx},
            "sandbox_tokens": {
                "token_requests": stats["token_requests"],
                "tokens_issued": stats["tokens_issued"],
                "unauthorized": stats["unauthorized"],
            },
            "sandbox_requests": stats["odata_requests"],
            "jobs": counts,
            "attempts": await self.probe.attempts(),
            "jobs_per_conversation": round(done_syncs / max(1, len(plan)), 2),
            "checks": [i.summary() for i in items],
            "ok": all(i.ok for i in items),
            "schedule": [a.describe() for a in self.o.schedule],
            "max_attempts": self.o.max_attempts,
        }
