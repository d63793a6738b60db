"""Starts Casebridge (`casebridge serve`) and the Creatio sandbox as processes of their own."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.domain.creatio_ids import CaseStatusIds, RoleIds
from bench.procs import Child, ensure_port_free, start, wait_until_up

# Throw-away values for processes that listen on 127.0.0.1 only, for the length of a run.
CHAT_SECRET = "bench-chat-signing-secret"
ADMIN_TOKEN = "bench-admin-token"
SANDBOX_CLIENT_ID = "casebridge-bench"
SANDBOX_SECRET = "bench-sandbox-client-secret"
SECRET_KEY = "Z2VuZXJhdGVkLWZvci1iZW5jaC1vbmx5LTAwMDAwMDA="  # a fixed Fernet key for throw-away data
FIRST_LINE_GROUP = str(RoleIds.FIRST_LINE)
RESOLVED_STATUS = str(CaseStatusIds.RESOLVED)


@dataclass(frozen=True)
class CasebridgeOptions:
    port: int
    data_dir: Path
    database_url: str | None = None
    workers: int = 0
    creatio_url: str | None = None
    creatio_max_concurrency: int = 8
    log_level: str = "INFO"
    chatwoot_connector: bool = False  # seed the Chatwoot connector the Chatwoot-shaped intake run posts to


def casebridge_env(options: CasebridgeOptions) -> dict[str, str]:
    """The CASEBRIDGE_* variables `casebridge serve` reads (README, Configuration)."""
    env = {
        "CASEBRIDGE_ENVIRONMENT": "development",
        "CASEBRIDGE_HOST": "127.0.0.1",
        "CASEBRIDGE_PORT": str(options.port),
        "CASEBRIDGE_DATA_DIR": str(options.data_dir),
        "CASEBRIDGE_LOG_LEVEL": options.log_level,
        "CASEBRIDGE_ADMIN_TOKEN": ADMIN_TOKEN,
        "CASEBRIDGE_SECRET_KEY": SECRET_KEY,
        "CASEBRIDGE_CHAT_SIGNING_SECRET": CHAT_SECRET,
        "CASEBRIDGE_WORKERS": str(options.workers),
        "CASEBRIDGE_CREATIO_MAX_CONCURRENCY": str(options.creatio_max_concurrency),
    }
    if options.database_url:
        env["CASEBRIDGE_DATABASE_URL"] = options.database_url
    if options.chatwoot_connector:  # its webhooks are signed with the same secret as native events
        env |= {
            "CASEBRIDGE_CHATWOOT_CONNECTOR_ID": "bench",
            "CASEBRIDGE_CHATWOOT_BASE_URL": "https://chatwoot.bench.example",
            "CASEBRIDGE_CHATWOOT_ACCOUNT_ID": "1",
            "CASEBRIDGE_CHATWOOT_API_ACCESS_TOKEN": "bench-token",
            "CASEBRIDGE_CHATWOOT_WEBHOOK_SECRET": CHAT_SECRET,
        }
    if options.creatio_url:
        env |= {
            "CASEBRIDGE_CREATIO_INSTANCE_URL": options.creatio_url,
            "CASEBRIDGE_CREATIO_CLIENT_ID": SANDBOX_CLIENT_ID,
            "CASEBRIDGE_CREATIO_CLIENT_SECRET": SANDBOX_SECRET,
            "CASEBRIDGE_CREATIO_DEFAULT_GROUP_ID": FIRST_LINE_GROUP,
            "CASEBRIDGE_CREATIO_RESOLVED_STATUS_ID": RESOLVED_STATUS,
        }
    return env


def casebridge_args(command: str) -> list[str]:
    """The arguments after the interpreter for `casebridge <command>` (serve, worker, migrate)."""
    script = Path(sys.executable).parent / "casebridge"  # the console script; `-m app.cli` is the same
    return [str(script), command] if script.exists() else ["-m", "app.cli", command]


def start_casebridge(options: CasebridgeOptions, log_dir: Path, name: str = "casebridge") -> Child:
    """`casebridge serve` (uvicorn, one process), waiting until /health answers."""
    ensure_port_free(options.port)
    child = start(name, casebridge_args("serve"), casebridge_env(options), log_dir)
    wait_until_up(child, f"http://127.0.0.1:{options.port}/health")
    return child


async def wait_verified(casebridge_url: str, within: float = 60.0) -> None:
    """The env seed is tested in the background at start; wait until it passed (`/ready` shows it)."""
    async with httpx.AsyncClient(base_url=casebridge_url, timeout=10) as http:
        deadline = asyncio.get_running_loop().time() + within
        while asyncio.get_running_loop().time() < deadline:
            if (await http.get("/ready")).json().get("creatio", {}).get("verified_at"):
                return
            await asyncio.sleep(0.2)
    raise RuntimeError(
        f"the Creatio connection seeded from the environment was not verified within {within:g} s"
    )


def start_sandbox(port: int, latency_ms: int, log_dir: Path) -> Child:
    """`python -m app.sandbox` with the client secret in $CREATIO_SANDBOX_CLIENT_SECRET."""
    ensure_port_free(port)
    args = ["-m", "app.sandbox", "--port", str(port), "--client-id", SANDBOX_CLIENT_ID]
    args += ["--latency-ms", str(latency_ms)]
    child = start("sandbox", args, {"CREATIO_SANDBOX_CLIENT_SECRET": SANDBOX_SECRET}, log_dir)
    wait_until_up(child, f"http://127.0.0.1:{port}/__sandbox/stats")
    return child
