"""The processes of a chaos run: the sandbox, `casebridge serve` and `casebridge worker` processes (and,
in the deploy topology, `casebridge migrate` once and the reverse proxy), started, killed with SIGKILL
and started again.

Topologies:
- `single` on PostgreSQL: one `serve` with CASEBRIDGE_WORKERS=0 (intake only) and two workers;
- `single` on SQLite: one `serve` that also runs jobs, and one worker;
- `deploy` (PostgreSQL): what deploy/ describes, as plain processes: `casebridge migrate` once, two
  `serve` (intake only) behind the reverse proxy (bench/proxy.py), two workers, each process with a data
  directory of its own, as each container has.
"""

from __future__ import annotations

import json
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.procs import Child, ensure_port_free, start, wait_until_up
from bench.servers import CasebridgeOptions, casebridge_args, casebridge_env

TOPOLOGIES = ("single", "deploy")
RUNNER_STARTED = ("worker started", "job runner started")  # the log lines that carry `worker_id`


@dataclass(frozen=True)
class Topology:
    name: str
    serves: int
    serve_workers: int  # CASEBRIDGE_WORKERS of each `serve`
    workers: int  # `casebridge worker` processes
    proxy: bool = False
    own_data_dirs: bool = False
    migrate_first: bool = False

    def describe(self) -> str:
        serve = f"{self.serves} serve" + (f" with {self.serve_workers} workers" if self.serve_workers else "")
        extra = " behind the proxy, migrate once, a data dir each" if self.proxy else ""
        return f"{serve} + {self.workers} worker process{'es' if self.workers > 1 else ''}{extra}"


def topology_for(name: str, database: str) -> Topology:
    if name == "deploy":
        if database != "postgres":
            raise ValueError("the deploy topology runs on PostgreSQL only")
        return Topology(
            "deploy", serves=2, serve_workers=0, workers=2, proxy=True, own_data_dirs=True, migrate_first=True
        )
    if database == "postgres":
        return Topology("single", serves=1, serve_workers=0, workers=2)
    return Topology("single", serves=1, serve_workers=16, workers=1)


@dataclass(frozen=True)
class Ports:
    serves: tuple[int, ...]
    proxy: int
    sandbox: int

    @classmethod
    def from_base(cls, base: int) -> Ports:
        return cls(serves=(base, base + 2), proxy=base + 1, sandbox=base + 101)


@dataclass
class Member:
    """One Casebridge process of the topology, across its incarnations."""

    name: str  # "serve-1", "worker-2"
    command: str  # "serve" or "worker"
    env: dict[str, str]
    data_dir: Path
    port: int | None = None
    runs_jobs: bool = True
    child: Child | None = None
    incarnation: int = 0
    worker_id: str | None = None
    log_paths: list[Path] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Cluster:
    """Starts, kills and restarts the members; every blocking wait here runs off the event loop."""

    def __init__(self, members: list[Member], log_dir: Path) -> None:
        self.members = members
        self._log_dir = log_dir

    def by_role(self, command: str) -> list[Member]:
        return [m for m in self.members if m.command == command]

    def launch(self, member: Member, *, new_data_dir: bool = False) -> None:
        member.incarnation += 1
        if new_data_dir:
            member.data_dir = member.data_dir.with_name(f"{member.name}-data-{member.incarnation}")
        member.data_dir.mkdir(parents=True, exist_ok=True)
        env = member.env | {"CASEBRIDGE_DATA_DIR": str(member.data_dir)}
        if member.port is not None:
            ensure_port_free(member.port)
        name = f"{member.name}-{member.incarnation}"
        member.child = start(name, casebridge_args(member.command), env, self._log_dir)
        member.log_paths.append(member.child.log_path)
        member.worker_id = None

    def wait_up(self, member: Member) -> None:
        assert member.child is not None
        if member.port is not None:
            wait_until_up(member.child, f"{member.url}/health")
        if member.runs_jobs:
            member.worker_id = _worker_id(member.child)

    def start_all(self) -> None:
        for member in self.members:
            self.launch(member)
        for member in self.members:
            self.wait_up(member)

    def kill(self, member: Member) -> None:
        """SIGKILL: no shutdown, leases held, requests cut."""
        assert member.child is not None
        member.child.process.send_signal(signal.SIGKILL)
        member.child.process.wait(10)
        member.child.stop()  # closes its log

    def restart(self, member: Member, *, new_data_dir: bool = False) -> None:
        self.launch(member, new_data_dir=new_data_dir)
        self.wait_up(member)

    def stop_all(self) -> None:
        for member in self.members:
            if member.child is not None:
                member.child.stop()


def _worker_id(child: Child, timeout: float = 60.0) -> str:
    """The job runner's id, from the JSON log line it writes at start (the log thread may lag)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in child.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("message") in RUNNER_STARTED and entry.get("worker_id"):
                    return str(entry["worker_id"])
        if child.process.poll() is not None:
            raise RuntimeError(f"{child.name} exited with {child.process.returncode}:\n{child.tail()}")
        time.sleep(0.1)
    raise RuntimeError(f"{child.name} did not log its worker id within {timeout:.0f} s:\n{child.tail()}")


@dataclass(frozen=True)
class ClusterSettings:
    database_url: str
    sandbox_url: str
    handoff_only: bool
    data_root: Path
    workers_per_process: int = 16
    creatio_concurrency: int = 8
    lease_seconds: float = 30.0
    creatio_timeout_seconds: float = 5.0
    retry_max_seconds: float = 10.0
    max_attempts: int = 12
    log_level: str = "INFO"


def build_members(topology: Topology, ports: Ports, s: ClusterSettings) -> list[Member]:
    """Every member's environment: the bench servers' (bench/servers.py) plus the chaos settings."""

    def env(port: int, workers: int, data_dir: Path) -> dict[str, str]:
        options = CasebridgeOptions(
            port=port,
            data_dir=data_dir,
            database_url=s.database_url,
            workers=workers,
            creatio_url=s.sandbox_url,
            creatio_max_concurrency=s.creatio_concurrency,
            log_level=s.log_level,
        )
        return casebridge_env(options) | {
            "CASEBRIDGE_CREATIO_CREATE_CASE_ONLY_ON_HANDOFF": "true" if s.handoff_only else "false",
            "CASEBRIDGE_JOB_LEASE_SECONDS": str(s.lease_seconds),
            "CASEBRIDGE_CREATIO_TIMEOUT_SECONDS": str(s.creatio_timeout_seconds),
            "CASEBRIDGE_RETRY_MAX_SECONDS": str(s.retry_max_seconds),
            "CASEBRIDGE_JOB_MAX_ATTEMPTS": str(s.max_attempts),
        }

    shared = s.data_root / "data"
    members: list[Member] = []
    for i in range(topology.serves):
        name = f"serve-{i + 1}"
        data_dir = s.data_root / f"{name}-data-1" if topology.own_data_dirs else shared
        members.append(
            Member(
                name,
                "serve",
                env(ports.serves[i], topology.serve_workers, data_dir),
                data_dir,
                port=ports.serves[i],
                runs_jobs=topology.serve_workers > 0,
            )
        )
    for i in range(topology.workers):
        name = f"worker-{i + 1}"
        data_dir = s.data_root / f"{name}-data-1" if topology.own_data_dirs else shared
        members.append(Member(name, "worker", env(0, s.workers_per_process, data_dir), data_dir))
    return members


def run_migrate(members: list[Member], log_dir: Path) -> None:
    """`casebridge migrate` once, before anything else starts (the deploy topology's one-shot job)."""
    first = members[0]
    child = start("migrate", casebridge_args("migrate"), first.env, log_dir)
    code = child.process.wait(120)
    child.stop()
    if code != 0:
        raise RuntimeError(f"casebridge migrate exited with {code}:\n{child.tail()}")


def start_proxy(port: int, backends: list[str], log_dir: Path) -> Child:
    """bench/proxy.py in a process of its own, round-robin over the `serve` instances."""
    ensure_port_free(port)
    args = ["-m", "bench.proxy", "--port", str(port), *[f"--backend={b}" for b in backends]]
    child = start("proxy", args, {}, log_dir)
    wait_until_up(child, f"http://127.0.0.1:{port}/health")
    return child
