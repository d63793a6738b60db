"""The sandbox case's mapped fields as an agent sees them: value by name, what the AI did and why, and the
values an agent may set instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.db.stores.autofill_audit import AutofillAuditRow, AutofillAuditStore
from app.db.tables import ConversationRow
from app.domain.creatio_ids import ZERO_GUID
from app.extraction.mapping import MappedField
from app.pipeline.autofill.fill import AutofillSetup
from app.pipeline.autofill.lookups import LookupTable


@dataclass(frozen=True)
class CaseField:
    label: str
    column: str
    value: str  # as an agent reads it (lookup GUIDs shown by name)
    outcome: str | None  # applied | suggested | skipped, from the latest auto-fill
    confidence: float | None
    evidence: str | None
    reason: str | None
    raw: str  # the column's value as stored (a GUID for lookups)
    choices: tuple[tuple[str, str], ...] = ()  # (name, value to write) for choices and resolved lookups
    editable: bool = False  # a text column, or one with choices


async def case_fields(
    autofill: AutofillSetup | None,
    audit_store: AutofillAuditStore,
    case: dict[str, Any],
    conversation: ConversationRow | None,
) -> list[CaseField]:
    if autofill is None:
        return []
    table = await autofill.service.lookups.table(autofill.mapping) if autofill.service else None
    latest: dict[str, AutofillAuditRow] = {}
    if conversation is not None:
        for row in await audit_store.for_conversation(conversation.external_id):
            latest.setdefault(row.field, row)  # newest first
    fields = []
    for field in autofill.mapping.fields:
        raw = case.get(field.column)
        value = _shown(raw)
        if field.lookup and table is not None and raw:
            value = table.name_of(field.lookup, raw) or value
        audit = latest.get(field.name)
        choices = _choices(field, table)
        fields.append(
            CaseField(
                label=field.label,
                column=field.column,
                value=value,
                outcome=audit.outcome if audit else None,
                confidence=audit.confidence if audit else None,
                evidence=audit.evidence if audit else None,
                reason=audit.reason if audit else None,
                raw="" if raw is None else str(raw),
                choices=choices,
                editable=bool(choices) or field.type == "text",
            )
        )
    return fields


def _choices(field: MappedField, table: LookupTable | None) -> tuple[tuple[str, str], ...]:
    """A choice's values by name; a lookup's by name and GUID (those Creatio has)."""
    if field.lookup is None:
        return tuple((name, name) for name in field.spec.values)
    if table is None:
        return ()
    found = ((name, table.get(field.lookup, name).id) for name in field.spec.values)
    return tuple((name, str(guid)) for name, guid in found if guid is not None)


def _shown(raw: Any) -> str:
    if raw in (None, "", str(ZERO_GUID)):
        return "—"
    return str(raw)
