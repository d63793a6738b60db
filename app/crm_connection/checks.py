"""The checks of Test & Save and their report: URLs, where tokens come from, authentication, which OData
root answers, OData access, and that each default GUID points at the right kind of Creatio record; each
result says what to fix."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel

from app.adapters.creatio import (
    CreatioAuthError,
    CreatioClient,
    CreatioError,
    CreatioPermanentError,
    InvalidCreatioUrl,
    normalize_identity_url,
    normalize_instance_url,
)
from app.domain.creatio_platforms import PLATFORM_NAMES
from app.domain.crm_connection import ConnectionSettings

AUTH_HINTS: dict[str, str] = {
    "invalid_client": "Copy the Client ID and Client Secret again from System Designer > OAuth 2.0 "
    "integrated applications; the secret is shown only once, so regenerate it if it is lost.",
    "unsupported_grant_type": "Open the OAuth application in Creatio and make it a Server-to-server "
    "(Client Credentials) application.",
    "wrong_identity_url": "Leave the identity URL empty to use the default, or set it to your Identity "
    "Service, e.g. https://yourcompany-is.creatio.com (cloud) or https://yourcompany.creatio.com/0.",
    "unreachable": "Check the URL for typos and that this server can reach Creatio (DNS, firewall, proxy).",
    "unauthorized": "Make sure the OAuth application is Active in Creatio.",
    "unavailable": "Creatio's identity service is down or throttling; try Test & Save again in a minute.",
    "invalid_response": "Check that the identity URL points at Creatio's Identity Service.",
}


CheckStatus = Literal["passed", "warning", "failed", "skipped"]


class ConnectionCheck(BaseModel):
    name: str
    status: CheckStatus
    message: str
    hint: str | None = None


class ConnectionTestReport(BaseModel):
    ok: bool
    saved: bool = False
    token_endpoint: str | None = None
    odata_root: str | None = None
    checks: list[ConnectionCheck]

    @classmethod
    def from_checks(
        cls, checks: list[ConnectionCheck], token_endpoint: str | None, odata_root: str | None = None
    ) -> ConnectionTestReport:
        return cls(
            ok=all(check.status != "failed" for check in checks),
            token_endpoint=token_endpoint,
            odata_root=odata_root,
            checks=checks,
        )

    def first_failure(self) -> ConnectionCheck | None:
        return next((check for check in self.checks if check.status == "failed"), None)


@dataclass(frozen=True)
class CheckContext:
    client: CreatioClient
    settings: ConnectionSettings


CheckFn = Callable[[CheckContext], Awaitable[ConnectionCheck]]


def unexpected_failure(name: str, exc: CreatioError) -> ConnectionCheck:
    return ConnectionCheck(
        name=name,
        status="failed",
        message=exc.message,
        hint="Try again; if it persists, check that Creatio is up and reachable from this server.",
    )


def normalise_urls(
    settings: ConnectionSettings, *, allow_insecure_loopback: bool
) -> tuple[ConnectionSettings | None, list[ConnectionCheck]]:
    """Normalise the instance and identity URLs; report what changed and what is unacceptable."""
    checks: list[ConnectionCheck] = []
    urls: dict[str, str | None] = {
        "instance_url": settings.instance_url,
        "identity_url": settings.identity_url,
    }
    normaliser = {"instance_url": normalize_instance_url, "identity_url": normalize_identity_url}
    for name, raw in list(urls.items()):
        if raw is None:
            continue
        try:
            urls[name] = normaliser[name](raw, allow_insecure_loopback=allow_insecure_loopback)
        except InvalidCreatioUrl as exc:
            checks.append(ConnectionCheck(name=name, status="failed", message=exc.message))
            return None, checks
        note = "" if urls[name] == raw else f" (normalised from {raw!r})"
        checks.append(ConnectionCheck(name=name, status="passed", message=f"Using {urls[name]}{note}."))
    return settings.model_copy(update=urls), checks


async def check_token_endpoint(ctx: CheckContext) -> ConnectionCheck:
    name = "token_endpoint"
    try:
        found = await ctx.client.token_endpoint()
    except CreatioAuthError as exc:
        return ConnectionCheck(
            name=name, status="failed", message=exc.message, hint=AUTH_HINTS.get(exc.reason)
        )
    return ConnectionCheck(
        name=name, status="passed", message=f"Tokens come from {found.url}: {found.source}."
    )


async def check_authentication(ctx: CheckContext) -> ConnectionCheck:
    try:
        await ctx.client.authenticate()
    except CreatioAuthError as exc:
        return ConnectionCheck(
            name="authentication", status="failed", message=exc.message, hint=AUTH_HINTS.get(exc.reason)
        )
    except CreatioError as exc:
        return unexpected_failure("authentication", exc)
    return ConnectionCheck(
        name="authentication",
        status="passed",
        message=f"Creatio issued an access token for client {ctx.settings.client_id!r}.",
    )


async def check_odata_root(ctx: CheckContext) -> ConnectionCheck:
    name = "odata_root"
    chosen = ctx.settings.platform != "auto"
    try:
        found = await ctx.client.detect_odata_root()
    except CreatioAuthError as exc:
        return ConnectionCheck(
            name=name,
            status="failed",
            message=f"Creatio issued a token but its OData API refused it: {exc.message}",
            hint=AUTH_HINTS["unauthorized"],
        )
    except CreatioPermanentError as exc:
        choice = "the other platform or Automatic" if chosen else "the platform"
        return ConnectionCheck(
            name=name,
            status="failed",
            message=exc.message,
            hint=f"Enter the address you open Creatio at; if it is right, choose {choice} under Advanced.",
        )
    except CreatioError as exc:
        return unexpected_failure(name, exc)
    platform = f"Creatio on {PLATFORM_NAMES[found.platform]}" if found.platform else "Creatio"
    how = "as chosen in the settings" if chosen else "detected"
    tried = f"; {'; '.join(found.others)}" if found.others else ""
    return ConnectionCheck(
        name=name, status="passed", message=f"OData 4 answers at {found.root} ({platform}, {how}{tried})."
    )


async def check_odata_access(ctx: CheckContext) -> ConnectionCheck:
    try:
        await ctx.client.list("Case", select=["Id"], top=1)
        await ctx.client.list("CaseStatus", select=["Id", "Name"], top=1)
    except CreatioAuthError as exc:
        return ConnectionCheck(
            name="odata_access",
            status="failed",
            message=f"Creatio issued a token but its OData API refused it: {exc.message}",
            hint="Check that the OAuth application is Active and that the identity URL belongs to this "
            "instance (clear it to use the default).",
        )
    except CreatioPermanentError as exc:
        if exc.status == 403:
            return ConnectionCheck(
                name="odata_access",
                status="failed",
                message="The OAuth application's user may not read cases in Creatio (HTTP 403).",
                hint="Grant the integration's technical user read, create and edit access to Case, "
                "Activity and Contact.",
            )
        return unexpected_failure("odata_access", exc)
    except CreatioError as exc:
        return unexpected_failure("odata_access", exc)
    return ConnectionCheck(name="odata_access", status="passed", message="OData access to Case works.")


async def check_default_owner(ctx: CheckContext) -> ConnectionCheck:
    name, owner_id = "default_owner_id", ctx.settings.default_owner_id
    if owner_id is None:
        return ConnectionCheck(name=name, status="skipped", message="No default case owner set.")
    try:
        contact = await ctx.client.get("Contact", owner_id, select=["Id", "Name"])
        if contact is not None:
            return ConnectionCheck(name=name, status="passed", message=f"Owner: contact {contact['Name']!r}.")
        user = await ctx.client.get("SysAdminUnit", owner_id, select=["Id", "Name", "ContactId"])
    except CreatioError as exc:
        return unexpected_failure(name, exc)
    if user is not None:
        return ConnectionCheck(
            name=name,
            status="failed",
            message=f"{owner_id} is the user {user['Name']!r}, not a Contact; case owners are Contacts.",
            hint=f"Use that user's contact id instead: {user['ContactId']}.",
        )
    return _not_found(name, owner_id, "Contact", "Open the agent's contact page in Creatio and copy its Id.")


async def check_default_group(ctx: CheckContext) -> ConnectionCheck:
    name, group_id = "default_group_id", ctx.settings.default_group_id
    if group_id is None:
        return ConnectionCheck(name=name, status="skipped", message="No default case group set.")
    try:
        unit = await ctx.client.get("SysAdminUnit", group_id, select=["Id", "Name", "SysAdminUnitTypeValue"])
    except CreatioError as exc:
        return unexpected_failure(name, exc)
    if unit is None:
        return _not_found(
            name, group_id, "SysAdminUnit", f"Pick a role or team, e.g. from {_root(ctx)}/SysAdminUnit."
        )
    if unit.get("SysAdminUnitTypeValue") == 4:
        return ConnectionCheck(
            name=name,
            status="warning",
            message=f"{unit['Name']!r} is a single user, not a group; cases will be routed to that user.",
            hint="Choose a role or team such as '1st-line support' for team-based routing.",
        )
    return ConnectionCheck(name=name, status="passed", message=f"Group: {unit['Name']!r}.")


async def check_resolved_status(ctx: CheckContext) -> ConnectionCheck:
    name, status_id = "resolved_status_id", ctx.settings.resolved_status_id
    if status_id is None:
        return ConnectionCheck(
            name=name,
            status="warning",
            message="No resolved status set: resolving a conversation will not update the Creatio case.",
            hint="Set it to the GUID of 'Resolved' or 'Closed' in the CaseStatus lookup.",
        )
    try:
        status = await ctx.client.get("CaseStatus", status_id, select=["Id", "Name", "IsResolved", "IsFinal"])
    except CreatioError as exc:
        return unexpected_failure(name, exc)
    if status is None:
        return _not_found(
            name, status_id, "CaseStatus", f"Copy the Id of 'Resolved' from {_root(ctx)}/CaseStatus."
        )
    return _describe_status(name, status)


def _describe_status(name: str, status: dict[str, Any]) -> ConnectionCheck:
    kinds = [kind for kind, flag in (("resolved", "IsResolved"), ("final", "IsFinal")) if status.get(flag)]
    if not kinds:
        return ConnectionCheck(
            name=name,
            status="warning",
            message=f"Status {status['Name']!r} is neither resolved nor final in Creatio.",
            hint="Cases set to it will not count as resolved; pick 'Resolved' or 'Closed'.",
        )
    return ConnectionCheck(
        name=name, status="passed", message=f"Resolved status: {status['Name']!r} ({' and '.join(kinds)})."
    )


def _root(ctx: CheckContext) -> str:
    return ctx.client.odata_root or "<instance>/0/odata"


def _not_found(name: str, value: UUID, entity_set: str, hint: str) -> ConnectionCheck:
    return ConnectionCheck(
        name=name, status="failed", message=f"No {entity_set} with Id {value} exists in Creatio.", hint=hint
    )


LOOKUP_CHECKS: tuple[CheckFn, ...] = (check_default_owner, check_default_group, check_resolved_status)
