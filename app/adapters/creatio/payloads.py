"""OData bodies for the records Casebridge writes (contacts, cases, activities, case changes), with values
in the form Creatio's OData library reads them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any
from uuid import UUID

from app.domain.case import ActivityDraft, CaseChanges, CaseDraft, CustomerIdentity
from app.domain.creatio_ids import (
    ZERO_GUID,
    ActivityCategoryIds,
    ActivityStatusIds,
    ActivityTypeIds,
    CaseOriginIds,
    guid_or_none,
)
from app.ports.errors import Reference

TITLE_LIMIT = 250
SUBJECT_LIMIT = 250

# The lookup columns Casebridge writes (and the standard ones auto-fill may): the entity set each points at
# (CFG schema sources; creatio-api.md 3.1 and 4.1; Creatio's foreign-key messages name neither) and what
# its value is to Casebridge, which says what to fix when Creatio has no such record.
LOOKUPS: Mapping[tuple[str, str], tuple[str, Reference]] = MappingProxyType(
    {
        ("Case", "OwnerId"): ("Contact", "owner"),
        ("Case", "GroupId"): ("SysAdminUnit", "group"),
        ("Case", "StatusId"): ("CaseStatus", "status"),
        ("Case", "ContactId"): ("Contact", "contact"),
        ("Case", "OriginId"): ("CaseOrigin", "constant"),
        ("Case", "PriorityId"): ("CasePriority", "field"),
        ("Case", "CategoryId"): ("CaseCategory", "field"),
        ("Activity", "CaseId"): ("Case", "case"),
        ("Activity", "ContactId"): ("Contact", "contact"),
        ("Activity", "TypeId"): ("ActivityType", "constant"),
        ("Activity", "ActivityCategoryId"): ("ActivityCategory", "constant"),
        ("Activity", "StatusId"): ("ActivityStatus", "constant"),
    }
)


def reference_of(entity_set: str, column: str) -> Reference:
    """What a lookup column's value is to Casebridge; an auto-filled column Casebridge does not know is a
    `field`."""
    known = LOOKUPS.get((entity_set, column))
    return known[1] if known else "field"


def odata_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _guid(value: UUID | None) -> str | None:
    return str(value) if value is not None else None


def _without_none(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


def odata_number(value: int | float | Decimal) -> str:
    """A number as Creatio reads it under `IEEE754Compatible=true` (our content type): a JSON string.

    Microsoft.OData.Core 7 refuses a JSON number for an Edm.Decimal or Edm.Int64 property then (400), and
    converts a string for every other number type (Edm.Int32, Edm.Double) with .NET's parser, so a string is
    right whatever the column's type: fixed-point (no exponent, which .NET's decimal parser refuses), and
    without a fraction when the value is whole (an Edm.Int32 column takes no `.0`).
    """
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{value} cannot be sent to Creatio: only finite numbers can")
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def column_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Values for arbitrary columns (the auto-filled ones): numbers as `odata_number` strings."""
    return {
        column: odata_number(value)
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool)
        else value
        for column, value in fields.items()
    }


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
    return _without_none(body) | column_values(case.fields)


def case_changes_body(changes: CaseChanges) -> dict[str, Any]:
    body = {
        "Subject": changes.subject[:SUBJECT_LIMIT] if changes.subject is not None else None,
        "Symptoms": changes.symptoms,
        "OwnerId": _guid(changes.owner_id),
        "GroupId": _guid(changes.group_id),
        "StatusId": _guid(changes.status_id),
    }
    return _without_none(body) | column_values(changes.fields)


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


def lookup_values(entity_set: str, body: Mapping[str, Any]) -> list[tuple[str, str | None, UUID]]:
    """The lookups a body sets: (column, the entity set it points at if known, the GUID); not empty ones."""
    found = []
    for column, value in body.items():
        guid = guid_or_none(value) if column != "Id" and column.endswith("Id") else None
        if guid is not None and guid != ZERO_GUID:
            known = LOOKUPS.get((entity_set, column))
            found.append((column, known[0] if known else None, guid))
    return found
