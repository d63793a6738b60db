"""Process settings from the environment (prefix CASEBRIDGE_); built once and passed down."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal
from uuid import UUID

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the process needs at start-up. Connection settings edited by admins live in the DB."""

    model_config = SettingsConfigDict(env_prefix="CASEBRIDGE_", env_file=None, extra="ignore")

    environment: str = Field(default="development", description="'development' or 'production'.")
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = Field(default=None, description="Base URL others use to reach Casebridge.")
    trusted_proxies: str = Field(
        default="",
        description="Addresses or networks (comma-separated; '*': any) of the reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed; empty: none, the connection's own address "
        "is the client's.",
    )
    max_header_bytes: int = Field(
        default=16_384,
        ge=1024,
        le=1_048_576,
        description="The request line and header fields of one request, together; more: 431.",
    )
    max_headers: int = Field(
        default=100, ge=10, le=1000, description="Header fields of one request; more: 431."
    )
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; default SQLite under data_dir."
    )
    log_level: str = "INFO"

    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token for the admin API; generated into data_dir in development."
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Fernet key encrypting secrets at rest; generated in development."
    )

    chat_signing_secret: SecretStr | None = Field(
        default=None, description="HMAC secret the chat platform signs events with; generated in development."
    )
    chat_signing_secret_previous: SecretStr | None = Field(
        default=None, description="The old secret, still accepted while the chat platform rotates."
    )

    # Creatio to chat: where agent replies and resolutions go, how they are signed, the reconciliation.
    chat_webhook_url: str | None = Field(
        default=None, description="The chat platform's URL receiving signed agent replies and resolutions."
    )
    chat_outbound_secret: SecretStr | None = Field(
        default=None,
        description="HMAC secret signing deliveries to the chat platform; generated in development.",
    )
    chat_delivery_timeout_seconds: float = Field(default=10.0, gt=0)
    reconcile_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Interval of the reconciliation catching what the webhook missed; 0: off.",
    )
    reply_activity_types: str = Field(
        default="Email",
        description="Activity types (names or GUIDs, comma-separated) that are agent replies.",
    )
    creatio_integration_contact_id: UUID | None = Field(
        default=None,
        description="Contact of the integration's technical user: what it wrote is never delivered.",
    )
    dev_chat_inbox: bool = Field(
        default=False, description="Serve /dev/chat-inbox (set by `casebridge dev`)."
    )
    sandbox_url: str | None = Field(
        default=None,
        description="The Creatio sandbox's base URL: turns on the demo pages (set by `casebridge dev`).",
    )

    workers: int = Field(
        default=32,
        ge=0,
        le=256,
        description="Jobs run at once inside the app; 0: none. About 4 x creatio_max_concurrency keeps "
        "Creatio's slots busy while jobs wait on their database writes.",
    )
    job_poll_seconds: float = Field(default=0.5, gt=0)
    connection_refresh_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often every process checks whether another one saved the Creatio connection or a "
        "chat connector: the bound within which a save is in force everywhere.",
    )
    sync_delay_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="How long a conversation's sync waits after an event, so that events arriving "
        "together reach Creatio in one write.",
    )
    job_lease_seconds: float = Field(
        default=30.0,
        ge=3,
        description="A running job's lease, renewed every third of it: a crashed worker's jobs run again "
        "after at most this long.",
    )
    job_timeout_seconds: float = Field(default=240.0, gt=0, description="The longest one job may run.")
    job_max_attempts: int = Field(default=12, ge=1)
    retry_base_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(default=300.0, gt=0)

    contact_matching: str = Field(
        default="email,phone", description="Contact fields matched to link a case to a contact, or 'off'."
    )
    reopen_status_name: str = "Reopened"

    creatio_timeout_seconds: float = 15.0
    creatio_max_concurrency: int = Field(default=8, ge=1, le=256)
    creatio_max_connections: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="Pooled connections to Creatio; default: the concurrency limit.",
    )

    # AI field auto-fill (field_mappings/*.yaml); without an LLM key the offline keyword extractor serves.
    field_mappings_dir: Path = Field(
        default=Path("field_mappings"), description="Mapping files; auto-fill is off when there are none."
    )
    prompts_dir: Path = Path("prompts")
    llm_api_key: SecretStr | None = Field(default=None, description="Key of the OpenAI-compatible API.")
    llm_base_url: str | None = Field(
        default=None, description="e.g. http://127.0.0.1:11434/v1; unset: OpenAI."
    )
    llm_model: str = "gpt-4o-mini"
    llm_mode: Literal["auto", "tools", "json_schema", "json", "md_json"] = Field(
        default="auto",
        description="How the answer is asked for; auto: tools for OpenAI and Azure, json_schema for others.",
    )
    llm_timeout_seconds: float = Field(default=30.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0, le=5, description="Re-asks after an invalid answer.")
    llm_http_retries: int = Field(default=1, ge=0, le=5, description="The SDK's retries of 429/5xx/timeouts.")
    llm_prompt_token_budget: int = Field(default=6000, ge=500, description="Transcript tokens in a prompt.")
    lookup_cache_seconds: float = Field(
        default=600.0,
        ge=0,
        description="How long names and GUIDs read from Creatio are cached: auto-fill lookups, case "
        "statuses and their flags, agents' names, activity types.",
    )

    # Seed for the Creatio connection, for headless deploys; applied at start when no connection is saved.
    creatio_instance_url: str | None = None
    creatio_identity_url: str | None = None
    creatio_client_id: str | None = None
    creatio_client_secret: SecretStr | None = None
    creatio_default_owner_id: UUID | None = None
    creatio_default_group_id: UUID | None = None
    creatio_resolved_status_id: UUID | None = None
    creatio_create_case_only_on_handoff: bool = False
    creatio_platform: Literal["auto", "netframework", "netcore"] = Field(
        default="auto",
        description="auto: the OData root is detected; netframework: <instance>/0/odata; netcore (.NET Core "
        "/ .NET 8): <instance>/odata.",
    )
    creatio_seed_overwrites: bool = Field(
        default=False, description="Apply the env seed even when a connection is already saved."
    )

    # Seed for a Chatwoot connector (docs/chatwoot-setup.md), applied at start when none of that id is saved.
    chatwoot_connector_id: str = Field(default="chatwoot", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    chatwoot_base_url: str | None = None
    chatwoot_account_id: int | None = Field(default=None, ge=1)
    chatwoot_api_access_token: SecretStr | None = None
    chatwoot_webhook_secret: SecretStr | None = None
    chatwoot_inbox_id: int | None = Field(default=None, ge=1)
    chatwoot_handoff_summary: Literal["last_bot_message", "transcript"] = Field(
        default="last_bot_message",
        description="The handoff's summary: the bot's last message, or an offline summary of the transcript.",
    )
    chatwoot_seed_overwrites: bool = Field(
        default=False, description="Apply the Chatwoot seed even when that connector is already saved."
    )

    @property
    def is_development(self) -> bool:
        return self.environment.lower() in {"development", "dev", "test"}

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'casebridge.db').as_posix()}"

    @field_validator("contact_matching")
    @classmethod
    def _known_match_fields(cls, value: str) -> str:
        if value.strip().lower() in {"", "off", "none"}:
            return "off"
        fields = [part.strip().lower() for part in value.split(",") if part.strip()]
        unknown = sorted(set(fields) - {"email", "phone"})
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}: use 'email', 'phone', 'email,phone' or 'off'")
        return ",".join(fields)

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        entries = [part.strip() for part in value.split(",") if part.strip()]
        if "*" in entries:
            return "*"
        for entry in entries:
            try:
                ipaddress.ip_network(entry) if "/" in entry else ipaddress.ip_address(entry)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network: give e.g. '10.0.0.5' or '10.0.0.0/24' "
                    "(comma-separated), or '*'"
                ) from None
        return ",".join(entries)

    @field_validator("chat_webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        if value is not None and not value.strip().lower().startswith(("https://", "http://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.strip() if value else None

    @property
    def reply_activity_type_names(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.reply_activity_types.split(",") if part.strip())

    @property
    def trusted_proxy_list(self) -> list[str]:
        return self.trusted_proxies.split(",") if self.trusted_proxies else []

    @property
    def contact_match_on(self) -> tuple[str, ...]:
        return () if self.contact_matching == "off" else tuple(self.contact_matching.split(","))

    @model_validator(mode="after")
    def _seeds_whole_or_absent(self) -> Settings:
        """A seed with some of its variables set and others missing would be ignored without a word: say
        which are missing instead."""
        for what, names in _SEEDS.items():
            given = [name for name in names if getattr(self, name)]
            if given and len(given) < len(names):
                missing = ", ".join(f"CASEBRIDGE_{n.upper()}" for n in names if n not in given)
                raise ValueError(
                    f"the {what} seed is incomplete: {missing} missing (set all of "
                    f"{', '.join(f'CASEBRIDGE_{n.upper()}' for n in names)}, or none)"
                )
        return self

    @property
    def has_chatwoot_seed(self) -> bool:
        return bool(
            self.chatwoot_base_url
            and self.chatwoot_account_id
            and self.chatwoot_api_access_token
            and self.chatwoot_webhook_secret
        )

    @property
    def has_creatio_seed(self) -> bool:
        return bool(self.creatio_instance_url and self.creatio_client_id and self.creatio_client_secret)


_SEEDS = {  # what a connection seeded from the environment needs, all or nothing
    "Creatio connection": ("creatio_instance_url", "creatio_client_id", "creatio_client_secret"),
    "Chatwoot connector": (
        "chatwoot_base_url",
        "chatwoot_account_id",
        "chatwoot_api_access_token",
        "chatwoot_webhook_secret",
    ),
}
