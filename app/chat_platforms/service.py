"""Test & Save of a chat connector (Chatwoot, ...): the form's values merged with the saved secrets, the
platform's checks, saved only when none failed; and the connector as the console and the admin API show
it (secrets never, the webhook URL to paste and the events to tick)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.db.stores.chat_connectors import ChatConnectorStore
from app.ports.chat_platforms import ChatPlatform, ChatPlatformRegistry, CheckResult, ConnectorConfig

ConnectorId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class UnknownPlatform(Exception):
    """No chat platform of that name (404)."""


class ChatwootForm(BaseModel):
    """What an admin enters for a Chatwoot connector; empty secrets keep the saved ones."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    base_url: Annotated[str, Field(min_length=1, max_length=2000)]
    account_id: Annotated[int, Field(ge=1)]
    inbox_id: Annotated[int, Field(ge=1)] | None = None
    api_access_token: Annotated[str, Field(max_length=500)] | None = None
    webhook_secret: Annotated[str, Field(max_length=500)] | None = None
    handoff_summary: Literal["last_bot_message", "transcript"] = "last_bot_message"

    def config(self, connector_id: str) -> ConnectorConfig:
        settings = {
            "base_url": self.base_url.rstrip("/"),
            "account_id": self.account_id,
            "inbox_id": self.inbox_id,
            "handoff_summary": self.handoff_summary,
        }
        secrets = {
            "api_access_token": self.api_access_token or "",
            "webhook_secret": self.webhook_secret or "",
        }
        return ConnectorConfig(connector_id, "chatwoot", settings, secrets)


@dataclass(frozen=True)
class ConnectorView:
    id: str
    platform: str
    settings: dict[str, Any]
    secrets_set: dict[str, bool]  # which secrets are saved (never their values)
    webhook_url: str
    events: tuple[str, ...]
    verified_at: datetime | None = None


@dataclass(frozen=True)
class ConnectorReport:
    ok: bool
    saved: bool
    checks: list[CheckResult] = field(default_factory=list)
    webhook_url: str = ""
    events: tuple[str, ...] = ()


class ChatPlatformService:
    def __init__(self, store: ChatConnectorStore, platforms: ChatPlatformRegistry, public_url: str) -> None:
        self._store = store
        self._platforms = platforms
        self._public_url = public_url.rstrip("/")

    def webhook_url(self, platform: str, connector_id: str) -> str:
        return f"{self._public_url}/webhooks/{platform}/{connector_id}"

    def events(self, platform: str) -> tuple[str, ...]:
        """The webhook events an admin ticks in the platform for Casebridge."""
        return self._platform(platform).events_to_subscribe

    async def view(self, platform: str, connector_id: str) -> ConnectorView | None:
        events = self.events(platform)
        saved = await self._store.get(connector_id)
        if saved is None or saved.platform != platform:
            return None
        return ConnectorView(
            saved.id,
            saved.platform,
            dict(saved.settings),
            {name: bool(value) for name, value in saved.secrets.items() if not name.endswith("_previous")},
            self.webhook_url(platform, connector_id),
            events,
            saved.verified_at,
        )

    async def test(self, config: ConnectorConfig, *, save: bool) -> ConnectorReport:
        """Run the platform's checks on `config` (its empty secrets taken from the saved connector, unless
        the base URL changed: a secret is never sent to a host it was not saved for); save when all pass."""
        platform = self._platform(config.platform)
        merged = await self._merged(config)
        checks = list(await platform.test(merged))
        ok = all(check.state != "failed" for check in checks)
        saved = ok and save and await self._store.save(merged, verified=True)
        url = self.webhook_url(config.platform, config.id)
        return ConnectorReport(ok, bool(saved), checks, url, platform.events_to_subscribe)

    async def _merged(self, config: ConnectorConfig) -> ConnectorConfig:
        saved = await self._store.get(config.id)
        same_host = (
            saved is not None
            and saved.platform == config.platform
            and saved.settings.get("base_url") == config.settings.get("base_url")
        )
        kept = (
            {k: v for k, v in saved.secrets.items() if not k.endswith("_previous")}
            if saved and same_host
            else {}
        )
        given = {name: value for name, value in config.secrets.items() if value}
        return ConnectorConfig(config.id, config.platform, config.settings, kept | given)

    def _platform(self, name: str) -> ChatPlatform:
        platform = self._platforms.get(name)
        if platform is None:
            raise UnknownPlatform(f"no chat platform named {name!r}: Casebridge connects chatwoot")
        return platform
