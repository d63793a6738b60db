"""OData bodies for the records Casebridge writes (contacts, cases, activities, case changes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from app.domain.case import ActivityDraft, CaseChanges, CaseDraft, CustomerIdentity
from app.domain.creatio_ids import ActivityCategoryIds, ActivityStatusIds, ActivityTypeIds, CaseOriginIds

TITLE_LIMIT = 250
SUBJECT_LIMIT = 250


def odata_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _guid(value: UUID | None) -> str | None:
    return str(value) if value is not None else None


def _without_none(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


def contact_body(contact_id: UUID, customer: CustomerIdentity) -> dict[str, Any]:
    name = customer.name or customer.email or customer.phone or "Chat customer"
    return _without_none(
        {"Id": str(contact_id), "Name": name[:250], "Email": customer.email, "MobilePhone": customer.phone}
    )


def case_body(case: CaseDraft) -> dict[str, Any]:
    body = {
        "Id": str(case.id),
        "Subject": case.subject[:SUBJECT_LIMIT],
        "Symptoms": case.symptoms,
        "OriginId": str(CaseOriginIds.CHAT),
        "ContactId": _guid(case.contact_id),
        "OwnerId": _guid(case.owner_id),
        "GroupId": _guid(case.group_id),
        "StatusId": _guid(case.status_id),
    }
    return _without_none(body) | dict(case.fields)


def case_changes_body(changes: CaseChanges) -> dict[str, Any]:
    body = {
        "Subject": changes.subject[:SUBJECT_LIMIT] if changes.subject is not None else None,
        "Symptoms": changes.symptoms,
        "OwnerId": _guid(changes.owner_id),
        "GroupId": _guid(changes.group_id),
        "StatusId": _guid(changes.status_id),
    }
    return _without_none(body) | dict(changes.fields)


def activity_body(activity: ActivityDraft) -> dict[str, Any]:
    at = odata_time(activity.at)
    return _without_none(
        {
            "Id": str(activity.id),
            "CaseId": str(activity.case_id),
            "ContactId": _guid(activity.contact_id),
            "Title": activity.title[:TITLE_LIMIT],
            "DetailedResult": activity.body,
            "StartDate": at,
            "DueDate": at,
            "TypeId": str(ActivityTypeIds.TASK),
            "ActivityCategoryId": str(ActivityCategoryIds.TODO),
            "StatusId": str(ActivityStatusIds.COMPLETED),
        }
    )
