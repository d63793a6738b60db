"""What an end-to-end run is given (E2EOptions) and what it holds while it runs (Run)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.events import MESSAGES_PER_CONVERSATION
from bench.procs import REPO_ROOT, Child
from bench.servers import CasebridgeOptions

# At least every message plus the handoff summary (the auto-fill note comes in the same requests); the
# check afterwards compares each case with exactly what Casebridge stored.
ACTIVITIES = MESSAGES_PER_CONVERSATION + 1
AUTOFILL = any((REPO_ROOT / "field_mappings").glob("*.yaml"))  # Casebridge's default mappings dir, cwd
MODES = ("live", "backlog")


@dataclass(frozen=True)
class E2EOptions:
    mode: str = "live"
    conversations: int = 1000
    senders: int = 64
    latency_ms: int = 50
    creatio_concurrency: int = 16
    workers: int = 64
    database: str = "sqlite"
    port: int = 18001
    sandbox_port: int = 18101
    timeout: float = 600.0
    log_level: str = "INFO"


@dataclass
class Run:
    options: E2EOptions
    server: CasebridgeOptions
    sandbox: Child
    casebridge: Child | None = None

    @property
    def casebridge_url(self) -> str:
        return f"http://127.0.0.1:{self.options.port}"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.options.sandbox_port}"
