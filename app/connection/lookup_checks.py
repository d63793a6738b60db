"""Test & Save checks that each GUID given points at the right kind of Creatio record."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from app.adapters.creatio import CreatioError
from app.connection.context import CheckContext, CheckFn, unexpected_failure
from app.connection.report import ConnectionCheck


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
            name, group_id, "SysAdminUnit", "Pick a role or team, e.g. from <instance>/0/odata/SysAdminUnit."
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
            name, status_id, "CaseStatus", "Copy the Id of 'Resolved' from <instance>/0/odata/CaseStatus."
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


def _not_found(name: str, value: UUID, entity_set: str, hint: str) -> ConnectionCheck:
    return ConnectionCheck(
        name=name, status="failed", message=f"No {entity_set} with Id {value} exists in Creatio.", hint=hint
    )


LOOKUP_CHECKS: tuple[CheckFn, ...] = (check_default_owner, check_default_group, check_resolved_status)
