"""Configuration models of the Creatio sandbox: server behaviour, quirks, webhook and fault profile."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain.creatio_platforms import CreatioPlatform


class FaultProfile(BaseModel):
    """Faults injected into OData requests (and, if asked, token requests); all off by default."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: int = Field(
        default=0,
        ge=0,
        description="Every affected request is answered this long after it arrived (its processing "
        "inside that time, as in a remote server's response time; later only if processing takes longer).",
    )
    latency_jitter_ms: int = Field(default=0, ge=0, description="Extra random latency in [0, jitter].")
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="Share of requests answered 5xx.")
    error_status: int = Field(default=500, ge=500, le=599)
    error_after_processing: bool = Field(
        default=False, description="Run the request, then answer 5xx (an ambiguous failure)."
    )
    rate_429: float = Field(default=0.0, ge=0.0, le=1.0, description="Share of requests answered 429.")
    retry_after_seconds: int = Field(default=1, ge=0)
    timeout_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="Share of requests that hang.")
    timeout_seconds: float = Field(default=30.0, ge=0.0, description="How long a hanging request hangs.")
    token_lifetime_seconds: int | None = Field(
        default=None, ge=1, description="Overrides SandboxConfig.token_lifetime_seconds for new tokens."
    )
    seed: int | None = Field(default=None, description="Seed of the fault RNG, for reproducible runs.")
    apply_to_token_endpoint: bool = False


class SandboxConfig(BaseModel):
    """Everything the sandbox app needs at start; runtime changes go through `/__sandbox/...`."""

    model_config = ConfigDict(extra="forbid")

    clients: dict[str, str] = Field(default_factory=lambda: {"casebridge-sandbox": "sandbox-secret"})
    token_lifetime_seconds: int = Field(default=3600, ge=1)
    strict_quirks: bool = True
    unknown_entity_set_status: Literal[401, 404] = 404
    platform: CreatioPlatform = Field(
        default="netframework",
        description="netframework: OData and identity under /0; netcore: at the root. The other root gives "
        "what that platform gives for a path it does not serve (see platform.py).",
    )
    html_login_mode: bool = False
    webhook_url: str | None = None
    webhook_headers: dict[str, str] = Field(default_factory=dict)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    webhook_retries: int = Field(default=2, ge=0)
    webhook_retry_delay_seconds: float = Field(default=1.0, ge=0)
    auto_reopen: bool = False
    faults: FaultProfile = Field(default_factory=FaultProfile)
    public_base_url: str | None = None
    max_entity_row_count: int = Field(default=20_000, ge=1)
    max_batch_requests: int = Field(default=100, ge=1)
    client_grant_types: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Grant types per client id (default client_credentials); else unauthorized_client.",
    )
    read_only_clients: list[str] = Field(
        default_factory=list,
        description="Clients whose technical user may read but not write: POST, PATCH, PUT and DELETE (in a "
        "$batch too) answer 403 with Creatio's error body, as for a user without create/edit/delete rights.",
    )
    forbidden_entity_sets: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Entity sets a client's technical user may not access: 403, as missing permissions.",
    )
