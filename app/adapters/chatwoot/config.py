"""A Chatwoot connector's settings, read from the saved connector: where Chatwoot is, which account and
inbox, the API access token and the webhook secret(s); conversation ids and URLs built from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.ports.chat_platforms import ConnectorConfig

PLATFORM = "chatwoot"
# After the webhook secret is changed, the previous one is still accepted this long (Chatwoot may hold
# deliveries signed with it, and the admin changes the two sides one after the other).
ROTATION_GRACE = timedelta(days=1)
HANDOFF_SUMMARIES = ("last_bot_message", "transcript")


@dataclass(frozen=True)
class ChatwootSettings:
    connector_id: str
    base_url: str  # e.g. https://chatwoot.example.com, no trailing slash
    account_id: int
    inbox_id: int | None
    handoff_summary: str  # last_bot_message | transcript
    api_access_token: str = field(repr=False)
    webhook_secrets: tuple[str, ...] = field(repr=False)  # the current one first

    @classmethod
    def of(cls, config: ConnectorConfig, now: datetime | None = None) -> ChatwootSettings:
        s, secrets = config.settings, config.secrets
        accepted = [secrets["webhook_secret"]] if secrets.get("webhook_secret") else []
        previous, rotated = secrets.get("webhook_secret_previous"), config.secret_rotated_at
        if previous and rotated is not None and (now or datetime.now(UTC)) - rotated < ROTATION_GRACE:
            accepted.append(previous)
        inbox = s.get("inbox_id")
        return cls(
            connector_id=config.id,
            base_url=str(s["base_url"]).rstrip("/"),
            account_id=int(s["account_id"]),
            inbox_id=int(inbox) if inbox is not None else None,
            handoff_summary=str(s.get("handoff_summary") or "last_bot_message"),
            api_access_token=secrets.get("api_access_token", ""),
            webhook_secrets=tuple(accepted),
        )

    def conversation_external_id(self, display_id: int) -> str:
        """Casebridge's id of a Chatwoot conversation (its display id is unique per account only)."""
        return f"{PLATFORM}:{self.connector_id}:{display_id}"

    def conversation_url(self, display_id: int) -> str:
        return f"{self.base_url}/app/accounts/{self.account_id}/conversations/{display_id}"

    def api(self, path: str) -> str:
        return f"{self.base_url}/api/v1/accounts/{self.account_id}{path}"


def display_id_of(external_id: str) -> int | None:
    """The Chatwoot conversation id of a conversation id built by `conversation_external_id`."""
    platform, _, rest = external_id.partition(":")
    number = rest.rpartition(":")[2]
    return int(number) if platform == PLATFORM and number.isdigit() else None
