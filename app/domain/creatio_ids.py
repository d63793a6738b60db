"""Creatio's GUIDs as facts of the CRM: the all-zero GUID of an empty lookup, reading a GUID from a record
or a form, and the base product's seeded lookup rows (case statuses, priorities, categories, origins,
closure codes, activity types, categories, statuses and priorities, email types, support roles;
creatio-api.md §3.2, §4.1). The Creatio adapter writes and reads them, the sandbox seeds them, and a real
instance has the same rows with the same Ids.

Rows only the sandbox seeds (its users, agents and demo customer) are in app/sandbox/ids.py.
"""

from __future__ import annotations

from uuid import UUID

ZERO_GUID = UUID(int=0)  # what Creatio stores and returns for a lookup column that is not set


def guid_or_none(value: object) -> UUID | None:
    """`value` (a UUID or its text) as a GUID; None when it is absent or not a GUID."""
    try:
        return UUID(str(value))
    except ValueError:
        return None


def lookup_guid(value: object) -> UUID | None:
    """A lookup column's value: None also when it is not set (ZERO_GUID)."""
    guid = guid_or_none(value)
    return None if guid == ZERO_GUID else guid


class CaseStatusIds:
    """CaseStatus rows (their IsFinal/IsResolved/IsPaused flags are in app/sandbox/seed.py)."""

    NEW = UUID("ae5f2f10-f46b-1410-fd9a-0050ba5d6c38")
    IN_PROGRESS = UUID("7e9f1204-f46b-1410-fb9a-0050ba5d6c38")
    WAITING_FOR_RESPONSE = UUID("3859c6e7-cbcb-486b-ba53-77808fe6e593")
    REOPENED = UUID("f063ebbe-fdc6-4982-8431-d8cfa52fedcf")
    RESOLVED = UUID("ae7f411e-f46b-1410-009b-0050ba5d6c38")
    CLOSED = UUID("3e7f420c-f46b-1410-fc9a-0050ba5d6c38")
    CANCELED = UUID("6e5f4218-f46b-1410-fe9a-0050ba5d6c38")


class CasePriorityIds:
    CRITICAL = UUID("afb33208-f46b-1410-ec8c-0050ba5d6c38")
    HIGH = UUID("8b700f24-f46b-1410-ee8c-0050ba5d6c38")
    MEDIUM = UUID("d9bd322c-f46b-1410-ee8c-0050ba5d6c38")
    LOW = UUID("cbb93036-f46b-1410-ef8c-0050ba5d6c38")


class CaseCategoryIds:
    INCIDENT = UUID("1b0bc159-150a-e111-a31b-00155d04c01d")
    SERVICE_REQUEST = UUID("1c0bc159-150a-e111-a31b-00155d04c01d")


class CaseOriginIds:
    CALL = UUID("5e5e202a-f46b-1410-3692-0050ba5d6c38")
    CHAT = UUID("019259af-ec9c-4c87-9565-3c00700c7875")
    EMAIL = UUID("7f9e1f1e-f46b-1410-3492-0050ba5d6c38")
    PORTAL = UUID("debf4124-f46b-1410-3592-0050ba5d6c38")
    FORUM = UUID("406ac5a1-a924-4af6-9f64-f4fedc66be8c")
    INTERNAL = UUID("40349262-bb11-4f90-8215-931ece6abe22")
    PERSONAL_VISIT = UUID("43090402-deef-4155-8aaf-d4b72721f2be")
    SITE = UUID("d38a1692-5a83-4253-a592-7d19fe00593c")
    SOCIAL_NETWORKS = UUID("673de246-f464-4ad1-883c-8a21508bdf33")


class ClosureCodeIds:
    RESOLVED_SUCCESSFULLY = UUID("b69f315c-f36b-1410-159b-0050ba5d6c38")
    RESOLVED_WITH_WORKAROUND = UUID("7f9e3154-f36b-1410-149b-0050ba5d6c38")
    NO_FAULT_FOUND = UUID("ffbf3234-f46b-1410-8d9a-00155d054c04")
    REJECTED_NO_USER_RESPONSE = UUID("dad53523-afdb-4189-9c6a-83fc950aad48")
    REJECTED_NOT_REPRODUCIBLE = UUID("3e5f2f44-f36b-1410-149b-0050ba5d6c38")
    CLOSED_BY_USER = UUID("7643e27f-51b2-4226-9001-e2a0aa415b3f")
    CANCELED_BY_USER = UUID("068ea63f-f5da-4d0e-b061-95a64ad120e7")
    CLOSED_AS_DOUBLE = UUID("7ce9843e-6855-4412-9282-ec55edf6d05b")


class ActivityTypeIds:
    TASK = UUID("fbe0acdc-cfc0-df11-b00f-001d60e938c6")
    EMAIL = UUID("e2831dec-cfc0-df11-b00f-001d60e938c6")
    CALL = UUID("e1831dec-cfc0-df11-b00f-001d60e938c6")
    VISIT = UUID("e3831dec-cfc0-df11-b00f-001d60e938c6")


class ActivityCategoryIds:
    TODO = UUID("f51c4643-58e6-df11-971b-001d60e938c6")
    EMAIL = UUID("8038a396-7825-e011-8165-00155d043204")
    CALL = UUID("e52bd583-7825-e011-8165-00155d043204")
    MEETING = UUID("42c74c49-58e6-df11-971b-001d60e938c6")
    PAPERWORK = UUID("2365ae4f-58e6-df11-971b-001d60e938c6")


class ActivityStatusIds:
    NOT_STARTED = UUID("384d4b84-58e6-df11-971b-001d60e938c6")
    IN_PROGRESS = UUID("394d4b84-58e6-df11-971b-001d60e938c6")
    COMPLETED = UUID("4bdbb88f-58e6-df11-971b-001d60e938c6")
    CANCELED = UUID("201cfba8-58e6-df11-971b-001d60e938c6")


class ActivityPriorityIds:
    HIGH = UUID("aa96fa02-7fe6-df11-971b-001d60e938c6")  # inferred from the Medium/Low sequence, not a source
    MEDIUM = UUID("ab96fa02-7fe6-df11-971b-001d60e938c6")
    LOW = UUID("ac96fa02-7fe6-df11-971b-001d60e938c6")


class EmailTypeIds:
    INCOMING = UUID("7f9d1f86-f36b-1410-068c-20cf30b39373")
    OUTGOING = UUID("7f6d3f94-f36b-1410-068c-20cf30b39373")


class RoleIds:
    """SysAdminUnit roles: the three support lines under "All employees"."""

    ALL_EMPLOYEES = UUID("a29a3ba5-4b0d-de11-9a51-005056c00008")
    FIRST_LINE = UUID("b5d51a2d-c0dd-477b-b2aa-58034367ba26")
    SECOND_LINE = UUID("bd259924-b19c-4880-8a9c-8363c67d3331")
    THIRD_LINE = UUID("1b45c79d-f7b5-4bfc-abe4-993f1dcf5c58")
