"""Server-side business rules: Case/Activity insert defaults, status side effects, auto-reopen."""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime
from uuid import UUID

from app.domain.creatio_ids import (
    ZERO_GUID,
    ActivityCategoryIds,
    ActivityPriorityIds,
    ActivityStatusIds,
    ActivityTypeIds,
    CaseOriginIds,
    CasePriorityIds,
    CaseStatusIds,
    ClosureCodeIds,
)
from app.sandbox.tables import Row, Tables
from app.sandbox.values import MIN_DATE


def apply_insert_defaults(
    tables: Tables, entity_set: str, row: Row, provided: Set[str], now: datetime, user_contact: UUID
) -> None:
    """Fill the schema defaults of columns the client did not send."""
    defaults: Row = {}
    if entity_set == "Case":
        defaults = {"StatusId": CaseStatusIds.NEW, "PriorityId": CasePriorityIds.MEDIUM}
        defaults |= {"OriginId": CaseOriginIds.CALL, "RegisteredOn": now}
        if "Number" not in provided:
            defaults["Number"] = f"SR{tables.next_number('CaseNumber'):08d}"
    elif entity_set == "Activity":
        defaults = {"TypeId": ActivityTypeIds.TASK, "ActivityCategoryId": ActivityCategoryIds.TODO}
        defaults |= {"StatusId": ActivityStatusIds.NOT_STARTED, "PriorityId": ActivityPriorityIds.MEDIUM}
        defaults |= {"StartDate": now, "DueDate": now, "OwnerId": user_contact, "AuthorId": user_contact}
    elif entity_set == "SysAdminUnit":
        defaults = {"Active": True}
    row.update({name: value for name, value in defaults.items() if name not in provided})


def status_side_effects(tables: Tables, case: Row, changes: Row, now: datetime) -> Row:
    """Extra Case changes when `changes` moves StatusId (the SLM and closure listeners of §3.3)."""
    new_id: UUID = changes["StatusId"] if "StatusId" in changes else case["StatusId"]
    if new_id == case["StatusId"]:
        return {}
    new = tables.get("CaseStatus", new_id) or {}
    old = tables.get("CaseStatus", case["StatusId"]) or {}
    extra: Row = {}
    if case["RespondedOn"] == MIN_DATE:
        extra["RespondedOn"] = now
    if _done(new):
        extra["SolutionProvidedOn"] = now
        if case["FirstSolutionProvidedOn"] == MIN_DATE:
            extra["FirstSolutionProvidedOn"] = now
    elif _done(old):
        extra["SolutionProvidedOn"] = MIN_DATE
    if new.get("IsFinal"):
        extra["ClosureDate"] = now
    if new.get("IsPaused"):
        extra["SolutionDate"] = MIN_DATE
    if changes.get("ClosureCodeId", case["ClosureCodeId"]) == ZERO_GUID and _done(new):
        default = new.get("ClosureCodeId", ZERO_GUID)
        if default != ZERO_GUID:
            extra["ClosureCodeId"] = default
        elif new.get("IsFinal"):
            extra["ClosureCodeId"] = ClosureCodeIds.RESOLVED_SUCCESSFULLY
    return {name: value for name, value in extra.items() if name not in changes}


def reopen_changes(tables: Tables, activity: Row) -> tuple[UUID, Row] | None:
    """(case id, changes) when a new activity should reopen its resolved or paused, non-final case."""
    case = tables.get("Case", activity["CaseId"]) if activity["CaseId"] != ZERO_GUID else None
    status = tables.get("CaseStatus", case["StatusId"]) if case else None
    if case is None or status is None or status["IsFinal"]:
        return None
    if not (status["IsResolved"] or status["IsPaused"]):
        return None
    return case["Id"], {"StatusId": CaseStatusIds.REOPENED, "OwnerId": ZERO_GUID}


def _done(status: Row) -> bool:
    return bool(status.get("IsResolved") or status.get("IsFinal"))
