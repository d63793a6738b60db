"""Control endpoints under `/__sandbox/` (no OAuth): faults, webhook, stats, reset, tokens, agents."""

from __future__ import annotations

from typing import Any

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import JSONBody
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.sandbox.agent import agents
from app.sandbox.store import SandboxStore


class WebhookIn(BaseModel):
    """`PUT /__sandbox/webhook`; omitted fields keep their value, `"url": null` switches callbacks off."""

    model_config = ConfigDict(extra="forbid")

    url: str | None
    headers: dict[str, str] | None = None
    timeout_seconds: float | None = Field(default=None, gt=0)
    retries: int | None = Field(default=None, ge=0)
    retry_delay_seconds: float | None = Field(default=None, ge=0)


def _webhook_view(store: SandboxStore) -> dict[str, Any]:
    settings = store.webhooks.settings
    return {
        "url": settings.url,
        "header_names": sorted(settings.headers),  # values may be secrets
        "timeout_seconds": settings.timeout_seconds,
        "retries": settings.retries,
        "retry_delay_seconds": settings.retry_delay_seconds,
    }


class ControlController(Controller):
    path = "/__sandbox"
    include_in_schema = False

    @get("/faults")
    async def get_faults(self, sandbox: NamedDependency[SandboxStore]) -> dict[str, Any]:
        return sandbox.faults.profile.model_dump()

    @put("/faults")
    async def put_faults(
        self, data: JSONBody[dict[str, Any]], sandbox: NamedDependency[SandboxStore]
    ) -> dict[str, Any]:
        """Merge the given FaultProfile fields; `"revoke_all_tokens": true` also revokes every token."""
        changes = dict(data)
        revoke = bool(changes.pop("revoke_all_tokens", False))
        try:
            profile = sandbox.faults.update(changes)
        except ValidationError as exc:
            extra = [{"key": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
            raise ValidationException(detail="Invalid fault profile", extra=extra) from None
        if revoke:
            sandbox.tokens.revoke_all()
        return profile.model_dump()

    @post("/tokens/revoke", status_code=200)
    async def revoke_tokens(self, sandbox: NamedDependency[SandboxStore]) -> dict[str, int]:
        return {"revoked": sandbox.tokens.revoke_all()}

    @get("/webhook")
    async def get_webhook(self, sandbox: NamedDependency[SandboxStore]) -> dict[str, Any]:
        return _webhook_view(sandbox)

    @put("/webhook")
    async def put_webhook(
        self, data: JSONBody[WebhookIn], sandbox: NamedDependency[SandboxStore]
    ) -> dict[str, Any]:
        settings = sandbox.webhooks.settings
        settings.url = data.url
        for name in ("headers", "timeout_seconds", "retries", "retry_delay_seconds"):
            value = getattr(data, name)
            if value is not None:
                setattr(settings, name, dict(value) if name == "headers" else value)
        return _webhook_view(sandbox)

    @get("/webhook/calls")
    async def webhook_calls(self, sandbox: NamedDependency[SandboxStore]) -> dict[str, Any]:
        return {"calls": [call.to_json() for call in sandbox.webhooks.calls]}

    @get("/stats")
    async def get_stats(self, sandbox: NamedDependency[SandboxStore]) -> dict[str, Any]:
        return sandbox.stats.snapshot() | {"active_tokens": sandbox.tokens.active_count()}

    @delete("/stats", status_code=204)
    async def reset_stats(self, sandbox: NamedDependency[SandboxStore]) -> None:
        sandbox.stats.reset()

    @post("/reset", status_code=200)
    async def reset(self, sandbox: NamedDependency[SandboxStore]) -> dict[str, Any]:
        """Data back to seed, stats and webhook log cleared; tokens, faults and webhook settings stay."""
        sandbox.reset()
        return {"reset": True, "rows": {name: sandbox.tables.count(name) for name in ("Case", "Activity")}}

    @get("/agents")
    async def list_agents(self, sandbox: NamedDependency[SandboxStore]) -> dict[str, Any]:
        return {
            "agents": agents(sandbox),
            "technical_user": {
                "user_id": str(sandbox.technical_user_id),
                "contact_id": str(sandbox.technical_user_contact_id),
            },
        }
