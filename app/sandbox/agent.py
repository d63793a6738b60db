"""What a sandbox support agent does in Creatio: reply on a case, change its status or other columns,
browse cases."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from app.domain.creatio_ids import (
    ZERO_GUID,
    ActivityCategoryIds,
    ActivityStatusIds,
    ActivityTypeIds,
    EmailTypeIds,
)
from app.sandbox.ids import SandboxIds
from app.sandbox.repository import apply_changes, create_entity, update_entity
from app.sandbox.schema import ENTITY_SETS
from app.sandbox.seed import USER_TYPE
from app.sandbox.serialize import row_to_json
from app.sandbox.store import SandboxStore
from app.sandbox.tables import Row


def agents(store: SandboxStore) -> list[dict[str, Any]]:
    """Active users except the technical user and Supervisor: `{user_id, contact_id, name, email}`."""
    found = []
    for user in store.rows("SysAdminUnit"):
        if user["SysAdminUnitTypeValue"] != USER_TYPE or not user["Active"] or user["ContactId"] == ZERO_GUID:
            continue
        if user["Id"] in (store.technical_user_id, SandboxIds.SUPERVISOR_USER):
            continue
        contact = store.tables.get("Contact", user["ContactId"]) or {}
        found.append(
            {"user_id": str(user["Id"]), "contact_id": str(user["ContactId"])}
            | {"name": contact.get("Name", ""), "email": contact.get("Email", "")}
        )
    return found


def post_reply(store: SandboxStore, case_id: UUID, text: str, agent_contact_id: UUID | None) -> Row:
    """Add an outgoing email Activity on the case as the agent, then call back `new_activity`."""
    case = _case(store, case_id)
    agent = _agent_contact(store, agent_contact_id)
    customer = store.tables.get("Contact", case["ContactId"]) or {}
    activity = {
        "Title": f"Reply from {agent['Name']}",
        "TypeId": ActivityTypeIds.EMAIL,
        "ActivityCategoryId": ActivityCategoryIds.EMAIL,
        "MessageTypeId": EmailTypeIds.OUTGOING,
        "StatusId": ActivityStatusIds.COMPLETED,
        "DetailedResult": text,
        "Body": text,
        "CaseId": case_id,
        "ContactId": case["ContactId"],
        "AccountId": case["AccountId"],
        "SenderContactId": agent["Id"],
        "Sender": agent["Email"],
        "Recepient": customer.get("Email", ""),
    }
    row = create_entity(store, "Activity", activity, agent["Id"], run_process_hooks=False)
    store.webhooks.emit("new_activity", case_id)
    return row


def set_status(
    store: SandboxStore,
    case_id: UUID,
    *,
    status_id: UUID | None,
    status_name: str | None,
    agent_contact_id: UUID | None,
) -> Row:
    """Move the case to a status (by Id or Name) as the agent, then call back `case_updated`."""
    case = _case(store, case_id)
    agent = _agent_contact(store, agent_contact_id)
    status = _status(store, status_id, status_name)
    row = apply_changes(store, "Case", case, {"StatusId": status["Id"]}, agent["Id"])
    store.webhooks.emit("case_updated", case_id)
    return row


def set_fields(
    store: SandboxStore, case_id: UUID, fields: dict[str, Any], agent_contact_id: UUID | None
) -> Row:
    """Change case columns (OData JSON values, e.g. a lookup's GUID as `PriorityId`) as the agent, as the case
    page's edit does, then call back `case_updated`."""
    _case(store, case_id)
    agent = _agent_contact(store, agent_contact_id)
    row = update_entity(store, "Case", case_id, fields, agent["Id"])
    store.webhooks.emit("case_updated", case_id)
    return row


def case_summary(store: SandboxStore, case: Row) -> dict[str, Any]:
    """The case's OData JSON plus the names an agent console shows."""
    body = row_to_json(ENTITY_SETS["Case"], case)
    for column, entity_set in (
        ("StatusId", "CaseStatus"),
        ("OwnerId", "Contact"),
        ("GroupId", "SysAdminUnit"),
    ):
        related = store.tables.get(entity_set, case[column]) or {}
        body[column[:-2] + "Name"] = related.get("Name", "")
    body["ContactName"] = (store.tables.get("Contact", case["ContactId"]) or {}).get("Name", "")
    return body


def case_detail(store: SandboxStore, case_id: UUID) -> dict[str, Any]:
    """The case and its activities, oldest first."""
    case = _case(store, case_id)
    activities = [a for a in store.rows("Activity") if a["CaseId"] == case_id]
    activities.sort(key=lambda a: a["CreatedOn"])
    entity = ENTITY_SETS["Activity"]
    return {"case": case_summary(store, case), "activities": [row_to_json(entity, a) for a in activities]}


def _case(store: SandboxStore, case_id: UUID) -> Row:
    case = store.tables.get("Case", case_id)
    if case is None:
        raise LookupError(f"No case with Id {case_id}.")
    return case


def _agent_contact(store: SandboxStore, contact_id: UUID | None) -> Row:
    known = {UUID(a["contact_id"]) for a in agents(store)}
    wanted = contact_id or store.agent_contact_ids[0]
    contact = store.tables.get("Contact", wanted)
    if contact is None or wanted not in known:
        raise ValueError(
            f"{wanted} is not the Contact of an active sandbox agent (see GET /__sandbox/agents)."
        )
    return contact


def _status(store: SandboxStore, status_id: UUID | None, status_name: str | None) -> Row:
    for status in store.rows("CaseStatus"):
        if status["Id"] == status_id or (
            status_name and status["Name"].lower() == status_name.strip().lower()
        ):
            return status
    raise ValueError(f"Unknown case status: {status_id or status_name!r}.")
