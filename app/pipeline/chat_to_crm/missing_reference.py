"""What an admin must fix when Creatio refused a sync's write because a record it points at is gone (e.g. the
default owner deleted in Creatio after Test & Save): said in terms of where the value came from."""

from __future__ import annotations

from app.ports.errors import MissingReference
from app.ports.external import SyncSettings

IN_SETTINGS = "in Settings > Ticketing > Creatio (Test & Save), then retry the job"
RETRY = "then retry the job"


def what_to_fix(error: MissingReference, settings: SyncSettings) -> MissingReference:
    """`error` with a message that names the value, the column and the fix."""
    value, column = error.value, error.column
    if value is None or column is None:
        return error
    gone = f"{value} no longer exists in Creatio ({column})"
    if error.reference == "owner" and value == str(settings.default_owner_id):
        text = f"The default case owner {gone}: choose another owner {IN_SETTINGS}."
    elif error.reference == "group" and value == str(settings.default_group_id):
        text = f"The default case group {gone}: choose another group {IN_SETTINGS}."
    elif error.reference == "status" and value == str(settings.resolved_status_id):
        text = f"The resolved status {gone}: choose another resolved status {IN_SETTINGS}."
    elif error.reference == "status":
        text = (
            f"The case status {value} ({settings.reopen_status_name!r}, which reopens a case) no longer "
            f"exists in Creatio ({column}): check CASEBRIDGE_REOPEN_STATUS_NAME, {RETRY}."
        )
    elif error.reference == "contact":
        text = (
            f"The customer's contact {gone}: it was deleted after Casebridge matched or created it, and this "
            "conversation's case cannot point at it."
        )
    elif error.reference == "case":
        text = f"The conversation's case {gone}: it was deleted there, and Casebridge does not re-create it."
    elif error.reference == "constant":
        text = (
            f"The standard Creatio lookup value {gone}: Casebridge writes it to every record of this kind "
            f"(e.g. the Chat case origin, the Task activity type); restore it in Creatio, {RETRY}."
        )
    else:
        text = (
            f"The value {value} auto-filled into {column} no longer exists in Creatio: check the field's "
            f"lookup values with `casebridge mappings check`, {RETRY}."
        )
    return MissingReference(text, reference=error.reference, column=column, value=value)
