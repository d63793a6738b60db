"""`make run CHAT=chatwoot`: the Chatwoot emulator served beside Casebridge and the sandbox, Casebridge's
Chatwoot connector seeded to point at it, and the commands to play a conversation."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from app.bootstrap.secrets import load_or_create_secret
from app.dev.chatwoot import payloads
from app.dev.chatwoot.emulator import ChatwootEmulator
from app.dev.chatwoot.server import ChatwootServer, http_sink

CONNECTOR_ID = "chatwoot"


def chatwoot_port(sandbox_port: int) -> int:
    return sandbox_port + 100


def chatwoot_dev_settings(data_dir: Path, port: int) -> dict[str, Any]:
    """The seed of the Chatwoot connector (its token and webhook secret generated once under the data dir)."""
    return {
        "chatwoot_connector_id": CONNECTOR_ID,
        "chatwoot_base_url": f"http://127.0.0.1:{port}",
        "chatwoot_account_id": payloads.ACCOUNT_ID,
        "chatwoot_api_access_token": SecretStr(_secret(data_dir, "chatwoot-api-token")),
        "chatwoot_webhook_secret": SecretStr(_secret(data_dir, "chatwoot-webhook-secret")),
    }


def chatwoot_server(data_dir: Path, casebridge_url: str, http: httpx.AsyncClient) -> ChatwootServer:
    """The emulator with the seeded token and secret, sending its webhooks to Casebridge just after it
    answers (as Chatwoot's background jobs do)."""
    emulator = ChatwootEmulator(
        connector_id=CONNECTOR_ID, secret=_secret(data_dir, "chatwoot-webhook-secret")
    )
    emulator.token = _secret(data_dir, "chatwoot-api-token")
    emulator.background = True
    emulator.sink = http_sink(casebridge_url, http)
    return ChatwootServer(emulator)


def banner(port: int, sandbox_port: int) -> str:
    chatwoot = f"http://127.0.0.1:{port}/__chatwoot/conversations"
    say = 'curl -s -X POST -H "Content-Type: application/json"'
    return f"""
Chatwoot     http://127.0.0.1:{port}  (the emulator: Chatwoot's API and its signed webhooks)
  {say} -d '{{"content": "My invoice is wrong", "sender": "customer"}}' {chatwoot}/1/messages
  {say} -d '{{"content": "Let me check that for you.", "sender": "bot"}}' {chatwoot}/1/messages
  {say} -d '{{"status": "open"}}' {chatwoot}/1/status            # the bot hands over
  curl -s http://127.0.0.1:{sandbox_port}/__sandbox/cases                             # the case, as above
  # reply and resolve in the sandbox as above; then Chatwoot's conversation shows the reply and is resolved:
  curl -s {chatwoot}
"""


def _secret(data_dir: Path, name: str) -> str:
    return load_or_create_secret(data_dir, name, lambda: secrets.token_hex(24))
