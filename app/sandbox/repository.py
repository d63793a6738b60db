"""Entity writes as Creatio's data layer does them: types, defaults, FK checks, rules, DB-style errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from uuid import UUID

from app.domain.creatio_ids import ZERO_GUID
from app.sandbox.db_errors import duplicate_key, foreign_key_violation, reference_violation
from app.sandbox.errors import ODataError, bad_request, not_found, unknown_property
from app.sandbox.rules import apply_insert_defaults, reopen_changes, status_side_effects
from app.sandbox.schema import ENTITY_SETS, EntityDef
from app.sandbox.store import SandboxStore, blank_row
from app.sandbox.tables import DuplicateKeyError, Row
from app.sandbox.values import PayloadValueError, from_payload


def coerce_body(entity: EntityDef, body: Any, *, ieee754: bool = False) -> Row:
    """Typed values from a JSON body; 400 for a non-object, an unknown property or a value ODataLib refuses
    (`ieee754`: the content type says IEEE754Compatible=true)."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    values: Row = {}
    for name, raw in body.items():
        if name.startswith("@") or ("@" in name and not name.endswith("@odata.bind")):
            continue  # instance annotations such as "@odata.type" are ignored
        if name.endswith("@odata.bind"):
            raise bad_request("The sandbox does not support @odata.bind; send the lookup as 'XxxId'.")
        column = entity.by_name.get(name)
        if column is None:
            raise unknown_property(entity, name)
        try:
            values[name] = from_payload(column.edm, raw, ieee754=ieee754)
        except PayloadValueError as exc:
            if exc.inner is not None:
                raise ODataError(400, exc.inner, exc.message) from None
            raise bad_request(exc.message) from None
    return values


def create_entity(
    store: SandboxStore,
    entity_set: str,
    body: Any,
    user_contact: UUID,
    *,
    run_process_hooks: bool = True,
    ieee754: bool = False,
) -> Row:
    """Insert a row from a POST body and run the insert rules (and the auto-reopen hook); returns it."""
    entity = ENTITY_SETS[entity_set]
    values = coerce_body(entity, body, ieee754=ieee754)
    now = store.now()
    row = blank_row(entity, now, user_contact)
    apply_insert_defaults(store.tables, entity_set, row, values.keys(), now, user_contact)
    row.update(values)
    _check_references(store, entity, row, "INSERT")
    try:
        store.tables.insert(entity_set, row)
    except DuplicateKeyError:
        raise duplicate_key(store.config.database, entity_set, row["Id"]) from None
    if entity_set == "Activity" and store.config.auto_reopen and run_process_hooks:
        _auto_reopen(store, row)
    return row


def update_entity(
    store: SandboxStore,
    entity_set: str,
    row_id: UUID,
    body: Any,
    user_contact: UUID,
    *,
    ieee754: bool = False,
) -> Row:
    """Apply a PATCH body (partial) to an existing row; 404 if it does not exist."""
    entity = ENTITY_SETS[entity_set]
    row = _existing(store, entity_set, row_id)
    changes = coerce_body(entity, body, ieee754=ieee754)
    if changes.get("Id", row_id) != row_id:
        raise bad_request("The key property 'Id' cannot be changed.")
    return apply_changes(store, entity_set, row, changes, user_contact)


def apply_changes(store: SandboxStore, entity_set: str, row: Row, changes: Row, user_contact: UUID) -> Row:
    """Change a row with audit columns and (for Case) the status side effects; FK-checked."""
    entity = ENTITY_SETS[entity_set]
    now = store.now()
    changes = {k: v for k, v in changes.items() if k != "Id"}
    if entity_set == "Case":
        changes |= status_side_effects(store.tables, row, changes, now)
    _check_references(store, entity, changes, "UPDATE")
    changes |= {"ModifiedOn": now, "ModifiedById": user_contact}
    return store.tables.update(entity_set, row["Id"], changes)


def delete_entity(store: SandboxStore, entity_set: str, row_id: UUID) -> None:
    """Delete a row; 404 if missing, 500 (REFERENCE constraint) if another row points at it."""
    _existing(store, entity_set, row_id)
    for other in ENTITY_SETS.values():
        for column in other.columns:
            if column.target != entity_set:
                continue
            if any(r[column.name] == row_id for r in store.tables.rows(other.name)):
                raise reference_violation(store.config.database, entity_set, other.name, column.name)
    store.tables.delete(entity_set, row_id)


def _existing(store: SandboxStore, entity_set: str, row_id: UUID) -> Row:
    row = store.tables.get(entity_set, row_id)
    if row is None:
        raise not_found(f"No '{entity_set}' record with Id '{row_id}' was found.")
    return row


def _check_references(
    store: SandboxStore, entity: EntityDef, values: Mapping[str, Any], verb: Literal["INSERT", "UPDATE"]
) -> None:
    for name, value in values.items():
        column = entity.by_name[name]
        if column.target is None or value == ZERO_GUID or store.tables.get(column.target, value):
            continue
        raise foreign_key_violation(store.config.database, verb, entity.name, name, column.target)


def _auto_reopen(store: SandboxStore, activity: Row) -> None:
    found = reopen_changes(store.tables, activity)
    if found is None:
        return
    case_id, changes = found
    case = store.tables.get("Case", case_id)
    assert case is not None
    apply_changes(store, "Case", case, changes, store.technical_user_contact_id)
    store.webhooks.emit("case_updated", case_id)
