"""`make run`: Casebridge and the Creatio sandbox in one process, connected both ways (the sandbox's
business process calls Casebridge; deliveries go to /dev/chat-inbox); with `CHAT=chatwoot` (`--chat
chatwoot`) the Chatwoot emulator too, Casebridge's Chatwoot connector pointing at it."""

from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from litestar import Litestar
from pydantic import SecretStr

from app.asgi import create_app
from app.bootstrap.secrets import load_or_create_secret, resolve_secret
from app.dev.chatwoot.dev import banner as chatwoot_banner
from app.dev.chatwoot.dev import chatwoot_dev_settings, chatwoot_port, chatwoot_server
from app.domain.creatio_ids import CaseStatusIds, RoleIds
from app.observability.logs import configure_logging, flush_logs
from app.sandbox import SandboxConfig, create_sandbox_app
from app.sandbox.ids import SandboxIds
from app.sandbox.store import SandboxStore
from app.settings import Settings
from app.web.server import server_config

SANDBOX_CLIENT_ID = "casebridge-sandbox"


def dev_settings(base: Settings, port: int, sandbox_port: int, sandbox_secret: str) -> Settings:
    """Embedded defaults: SQLite under ./var, connected to the sandbox unless a connection is saved."""
    return base.model_copy(
        update={
            "environment": "development",
            "host": "127.0.0.1",
            "port": port,
            "creatio_instance_url": f"http://127.0.0.1:{sandbox_port}",
            "creatio_client_id": SANDBOX_CLIENT_ID,
            "creatio_client_secret": SecretStr(sandbox_secret),
            "creatio_default_owner_id": SandboxIds.AGENT_1_CONTACT,
            "creatio_default_group_id": RoleIds.FIRST_LINE,
            "creatio_resolved_status_id": CaseStatusIds.RESOLVED,
            "sandbox_url": f"http://127.0.0.1:{sandbox_port}",  # turns on the console's demo pages
            **dev_crm_to_chat_settings(base, port),
            # The demo shows each message on the case at once (CASEBRIDGE_SYNC_DELAY_SECONDS still wins).
            **({} if "sync_delay_seconds" in base.model_fields_set else {"sync_delay_seconds": 0.0}),
        }
    )


async def run_dev(*, port: int, sandbox_port: int, chat: str = "native") -> int:
    base = Settings()
    configure_logging(base.log_level)
    sandbox_secret = load_or_create_secret(
        base.data_dir, "sandbox-client-secret", lambda: secrets.token_hex(24)
    )
    settings = dev_settings(base, port, sandbox_port, sandbox_secret)
    if chat == "chatwoot":
        seed = chatwoot_dev_settings(base.data_dir, chatwoot_port(sandbox_port))
        settings = settings.model_copy(update=seed)
    sandbox = create_sandbox_app(SandboxConfig(clients={SANDBOX_CLIENT_ID: sandbox_secret}))
    casebridge = create_app(settings)
    servers = [
        _server(sandbox, sandbox_port),
        uvicorn.Server(server_config(casebridge, settings)),
    ]
    async with httpx.AsyncClient(timeout=10) as http:
        if chat == "chatwoot":
            emulator = chatwoot_server(base.data_dir, f"http://127.0.0.1:{port}", http)
            servers.append(_server(emulator, chatwoot_port(sandbox_port)))

        async def connect_then_announce() -> None:
            """The banners come last, after start-up has logged, so that they stay on screen."""
            await connect_business_process(casebridge, servers[1], sandbox)
            if await _all_started(servers):
                await asyncio.to_thread(flush_logs)
                _print_banner(settings, base.data_dir, sandbox_port)
                if chat == "chatwoot":
                    print(chatwoot_banner(chatwoot_port(sandbox_port), sandbox_port), flush=True)

        await asyncio.gather(*(server.serve() for server in servers), connect_then_announce())
    return 0


async def _all_started(servers: list[uvicorn.Server]) -> bool:
    for _ in range(1200):
        if all(s.started for s in servers) or any(s.should_exit for s in servers):
            break
        await asyncio.sleep(0.05)
    return all(s.started for s in servers)


def _server(app: object, port: int) -> uvicorn.Server:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)  # type: ignore[arg-type]
    return uvicorn.Server(config)


def _print_banner(settings: Settings, data_dir: Path, sandbox_port: int) -> None:
    token = resolve_secret(
        settings.admin_token.get_secret_value() if settings.admin_token else None,
        env_name="CASEBRIDGE_ADMIN_TOKEN",
        data_dir=data_dir,
        file_name="admin-token",
        development=True,
    )
    base = f"http://127.0.0.1:{settings.port}"
    print(
        f"""
Casebridge   {base}        (API docs: {base}/schema/swagger)
Console      {base}/console  (log in with the admin token; demo chat and sandbox agent console inside)
Sandbox      http://127.0.0.1:{sandbox_port}  (Creatio sandbox; client id {SANDBOX_CLIENT_ID})
Admin token  {token}

Try:
  .venv/bin/casebridge send-events --demo     # a signed demo conversation; then see the case:
  curl -s http://127.0.0.1:{sandbox_port}/__sandbox/cases
  curl -s -H "Authorization: Bearer {token}" {base}/api/v1/admin/conversations
  curl -s {base}/ready
  curl -s -H "Authorization: Bearer {token}" {base}/api/v1/admin/connection
  curl -s -X PUT -H "Authorization: Bearer {token}" -H "Content-Type: application/json" \\
       -d '{{"instance_url": "http://127.0.0.1:{sandbox_port}", "client_id": "{SANDBOX_CLIENT_ID}", \\
            "client_secret": "wrong"}}' {base}/api/v1/admin/connection   # Test & Save fails, says why

Creatio to chat: the sandbox's business process calls {base}/webhooks/creatio; replies go to
{settings.chat_webhook_url}
  CASE=$(curl -s http://127.0.0.1:{sandbox_port}/__sandbox/cases | python3 -c \\
         'import json,sys; print(json.load(sys.stdin)["cases"][0]["Id"])')   # the newest case
  curl -s -X POST -H "Content-Type: application/json" -d '{{"text": "Hi Ada, your invoice is fixed."}}' \\
       http://127.0.0.1:{sandbox_port}/__sandbox/cases/$CASE/replies          # an agent replies
  curl -s -X POST -H "Content-Type: application/json" -d '{{"status_name": "Resolved"}}' \\
       http://127.0.0.1:{sandbox_port}/__sandbox/cases/$CASE/status           # and resolves the case
  curl -s -H "Authorization: Bearer {token}" {base}/dev/chat-inbox        # what the chat received
  curl -s -H "Authorization: Bearer {token}" {base}/api/v1/admin/deliveries
""",
        flush=True,
    )


logger = logging.getLogger(__name__)


def dev_crm_to_chat_settings(base: Settings, port: int) -> dict[str, Any]:
    """The built-in chat inbox unless CASEBRIDGE_CHAT_WEBHOOK_URL is set; the sandbox's technical user."""
    return {
        "dev_chat_inbox": True,
        "chat_webhook_url": base.chat_webhook_url or f"http://127.0.0.1:{port}/dev/chat-inbox",
        "creatio_integration_contact_id": base.creatio_integration_contact_id or SandboxIds.TECH_CONTACT,
    }


async def connect_business_process(casebridge: Litestar, server: uvicorn.Server, sandbox: Litestar) -> None:
    """Once Casebridge serves, point the sandbox's callbacks at its webhook (token as a Bearer header)."""
    for _ in range(1200):
        if server.started or server.should_exit:
            break
        await asyncio.sleep(0.05)
    if not server.started:
        return
    crm_to_chat = casebridge.state.runtime.crm_to_chat
    token = await crm_to_chat.tokens.current()
    store: SandboxStore = sandbox.state.sandbox
    config = server.config
    store.webhooks.settings.url = f"http://{config.host}:{config.port}/webhooks/creatio"
    store.webhooks.settings.headers = {"Authorization": f"Bearer {token.value}"}
    logger.info("sandbox business process calls the Casebridge webhook", extra={"port": config.port})
