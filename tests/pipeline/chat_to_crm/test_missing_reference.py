"""A write Creatio refused for a missing record: the message says where the value came from and the fix."""

from __future__ import annotations

from uuid import UUID

import pytest

from app.pipeline.chat_to_crm.missing_reference import what_to_fix
from app.ports.errors import MissingReference, Reference
from app.ports.external import SyncSettings

OWNER = UUID("5b0c0001-0000-4000-8000-00000000000b")
GROUP = UUID("bd259924-b19c-4880-8a9c-8363c67d3331")
RESOLVED = UUID("ae7f411e-f46b-1410-009b-0050ba5d6c38")
OTHER = UUID("7e9f1204-f46b-1410-fb9a-0050ba5d6c38")
SETTINGS = SyncSettings(default_owner_id=OWNER, default_group_id=GROUP, resolved_status_id=RESOLVED)


@pytest.mark.parametrize(
    ("reference", "column", "value", "message"),
    [
        (
            "owner",
            "Case.OwnerId",
            OWNER,
            f"The default case owner {OWNER} no longer exists in Creatio (Case.OwnerId): choose another "
            "owner in Settings > Ticketing > Creatio (Test & Save), then retry the job.",
        ),
        (
            "group",
            "Case.GroupId",
            GROUP,
            f"The default case group {GROUP} no longer exists in Creatio (Case.GroupId): choose another "
            "group in Settings > Ticketing > Creatio (Test & Save), then retry the job.",
        ),
        (
            "status",
            "Case.StatusId",
            RESOLVED,
            f"The resolved status {RESOLVED} no longer exists in Creatio (Case.StatusId): choose another "
            "resolved status in Settings > Ticketing > Creatio (Test & Save), then retry the job.",
        ),
        (
            "status",
            "Case.StatusId",
            OTHER,
            f"The case status {OTHER} ('Reopened', which reopens a case) no longer exists in Creatio "
            "(Case.StatusId): check CASEBRIDGE_REOPEN_STATUS_NAME, then retry the job.",
        ),
        (
            "contact",
            "Activity.ContactId",
            OTHER,
            f"The customer's contact {OTHER} no longer exists in Creatio (Activity.ContactId): it was "
            "deleted after Casebridge matched or created it, and this conversation's case cannot point at "
            "it.",
        ),
        (
            "case",
            "Activity.CaseId",
            OTHER,
            f"The conversation's case {OTHER} no longer exists in Creatio (Activity.CaseId): it was deleted "
            "there, and Casebridge does not re-create it.",
        ),
        (
            "constant",
            "Case.OriginId",
            OTHER,
            f"The standard Creatio lookup value {OTHER} no longer exists in Creatio (Case.OriginId): "
            "Casebridge writes it to every record of this kind (e.g. the Chat case origin, the Task activity "
            "type); restore it in Creatio, then retry the job.",
        ),
        (
            "field",
            "Case.PriorityId",
            OTHER,
            f"The value {OTHER} auto-filled into Case.PriorityId no longer exists in Creatio: check the "
            "field's lookup values with `casebridge mappings check`, then retry the job.",
        ),
    ],
)
def test_the_message_names_the_value_its_column_and_the_fix(
    reference: Reference, column: str, value: UUID, message: str
) -> None:
    refused = MissingReference("Creatio has no record", reference=reference, column=column, value=str(value))

    explained = what_to_fix(refused, SETTINGS)

    assert explained.message == message
    assert (explained.reference, explained.column, explained.value) == (reference, column, str(value))


def test_without_the_column_creatios_words_stay() -> None:
    refused = MissingReference("Creatio refused POST Case: a lookup value in it points at a record ...")

    assert what_to_fix(refused, SETTINGS) is refused
