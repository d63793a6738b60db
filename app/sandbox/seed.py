"""Seed rows: Creatio's lookups with their real GUIDs, support groups, users, agents, a demo customer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from app.domain.creatio_ids import (
    ActivityCategoryIds,
    ActivityPriorityIds,
    ActivityStatusIds,
    ActivityTypeIds,
    CaseCategoryIds,
    CaseOriginIds,
    CasePriorityIds,
    CaseStatusIds,
    ClosureCodeIds,
    EmailTypeIds,
    RoleIds,
)
from app.sandbox.ids import SandboxIds as S

Row = dict[str, Any]
USER_TYPE = 4  # SysAdminUnitTypeValue of a user
AGENTS: tuple[tuple[UUID, UUID, str, str], ...] = (
    (S.AGENT_1_CONTACT, S.AGENT_1_USER, "Maria Lopez", "maria.lopez@sandbox.example"),
    (S.AGENT_2_CONTACT, S.AGENT_2_USER, "Tom Becker", "tom.becker@sandbox.example"),
    (S.AGENT_3_CONTACT, S.AGENT_3_USER, "Yuki Tanaka", "yuki.tanaka@sandbox.example"),
)


def _named(pairs: Mapping[str, UUID]) -> list[Row]:
    return [{"Id": gid, "Name": name} for name, gid in pairs.items()]


def _case_statuses() -> list[Row]:
    c = CaseStatusIds
    rows = [  # name, id, final, resolved, paused, default closure code, stage
        ("New", c.NEW, False, False, False, None, 1),
        ("In progress", c.IN_PROGRESS, False, False, False, None, 2),
        ("Waiting for response", c.WAITING_FOR_RESPONSE, False, False, True, None, 2),
        ("Reopened", c.REOPENED, False, False, False, None, 2),
        ("Resolved", c.RESOLVED, False, True, False, ClosureCodeIds.RESOLVED_SUCCESSFULLY, 3),
        ("Closed", c.CLOSED, True, False, False, None, 4),
        ("Canceled", c.CANCELED, True, False, False, ClosureCodeIds.NO_FAULT_FOUND, 4),
    ]
    return [
        {"Id": gid, "Name": name, "IsFinal": final, "IsResolved": resolved, "IsPaused": paused}
        | {"ClosureCodeId": code, "StageNumber": stage, "IsDisplayed": True, "ButtonCaption": name}
        for name, gid, final, resolved, paused, code, stage in rows
    ]


def _case_lookups() -> dict[str, list[Row]]:
    p = CasePriorityIds
    priorities = [
        ("Critical", p.CRITICAL, 1),
        ("High", p.HIGH, 2),
        ("Medium", p.MEDIUM, 3),
        ("Low", p.LOW, 4),
    ]
    o = CaseOriginIds
    origins = {"Call": o.CALL, "Chat": o.CHAT, "Email": o.EMAIL, "Portal": o.PORTAL, "Forum": o.FORUM}
    origins |= {"Internal": o.INTERNAL, "Personal visit": o.PERSONAL_VISIT, "Site": o.SITE}
    k = ClosureCodeIds
    codes = {
        "Resolved successfully": k.RESOLVED_SUCCESSFULLY,
        "Resolved with workaround": k.RESOLVED_WITH_WORKAROUND,
    }
    codes |= {"No fault found": k.NO_FAULT_FOUND, "Rejected: no user response": k.REJECTED_NO_USER_RESPONSE}
    codes |= {"Rejected: not reproducible": k.REJECTED_NOT_REPRODUCIBLE, "Closed by user": k.CLOSED_BY_USER}
    codes |= {"Canceled by user": k.CANCELED_BY_USER, "Closed as a double": k.CLOSED_AS_DOUBLE}
    return {
        "CaseStatus": _case_statuses(),
        "CasePriority": [{"Id": gid, "Name": n, "Priority": rank} for n, gid, rank in priorities],
        "CaseCategory": _named(
            {"Incident": CaseCategoryIds.INCIDENT, "Service request": CaseCategoryIds.SERVICE_REQUEST}
        ),
        "CaseOrigin": _named(origins | {"Social networks": o.SOCIAL_NETWORKS}),
        "ClosureCode": _named(codes),
    }


def _activity_lookups() -> dict[str, list[Row]]:
    t, c, s = ActivityTypeIds, ActivityCategoryIds, ActivityStatusIds
    categories = [
        ("To do", c.TODO, t.TASK),
        ("Email", c.EMAIL, t.EMAIL),
        ("Call", c.CALL, t.CALL),
        ("Meeting", c.MEETING, t.TASK),
        ("Paperwork", c.PAPERWORK, t.TASK),
    ]
    p = ActivityPriorityIds
    return {
        "ActivityType": _named({"Task": t.TASK, "Email": t.EMAIL, "Call": t.CALL, "Visit": t.VISIT}),
        "ActivityCategory": [{"Id": gid, "Name": n, "ActivityTypeId": tid} for n, gid, tid in categories],
        "ActivityStatus": _named(
            {"Not started": s.NOT_STARTED, "In progress": s.IN_PROGRESS, "Completed": s.COMPLETED}
            | {"Canceled": s.CANCELED}
        ),
        "ActivityPriority": _named({"High": p.HIGH, "Medium": p.MEDIUM, "Low": p.LOW}),
        "EmailType": _named({"Incoming": EmailTypeIds.INCOMING, "Outgoing": EmailTypeIds.OUTGOING}),
    }


def _people() -> dict[str, list[Row]]:
    users = [
        (S.SUPERVISOR_CONTACT, S.SUPERVISOR_USER, "Supervisor", "supervisor@sandbox.example"),
        (S.TECH_CONTACT, S.TECH_USER, "Casebridge Integration", "casebridge@sandbox.example"),
        *AGENTS,
    ]
    r = RoleIds
    roles = [
        {"Id": r.ALL_EMPLOYEES, "Name": "All employees", "SysAdminUnitTypeValue": 0, "Active": True},
        *(
            {"Id": gid, "Name": name, "SysAdminUnitTypeValue": 1, "ParentRoleId": r.ALL_EMPLOYEES}
            | {"Active": True}
            for name, gid in (
                ("1st-line support", r.FIRST_LINE),
                ("2nd-line support", r.SECOND_LINE),
                ("3rd-line support", r.THIRD_LINE),
            )
        ),
    ]
    user_rows = [
        {"Id": uid, "Name": name, "SysAdminUnitTypeValue": USER_TYPE, "ContactId": cid, "Active": True}
        for cid, uid, name, _ in users
    ]
    contacts = [{"Id": cid, "Name": name, "Email": email} for cid, _, name, email in users]
    customer = {"Id": S.DEMO_CUSTOMER_CONTACT, "Name": "Ada Lovelace", "Email": "ada@customer.example"}
    return {
        "Account": [{"Id": S.DEMO_ACCOUNT, "Name": "Analytical Engines Ltd", "Code": "AE-001"}],
        "Contact": [*contacts, customer | {"AccountId": S.DEMO_ACCOUNT, "Phone": "+44 20 7946 0000"}],
        "SysAdminUnit": roles + user_rows,
    }


def seed_rows() -> dict[str, list[Row]]:
    """Rows per entity set, in insertion order (referenced rows first); unset columns get defaults."""
    return {**_people(), **_case_lookups(), **_activity_lookups()}
