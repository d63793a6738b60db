"""Parses a resource path below the OData root: `Case`, `Case(<id>)`, `Case/<id>`, `$count`, `$value`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from app.sandbox.errors import ODataError, bad_request, not_found
from app.sandbox.schema import ENTITY_SETS
from app.sandbox.values import parse_guid

PathKind = Literal["service", "metadata", "batch", "collection", "count", "entity", "property", "value"]
_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$", re.DOTALL)


class UnknownEntitySetError(ODataError):
    """The first segment names no entity set: answered bare, as the platform does (platform.py)."""

    def __init__(self, name: str) -> None:
        super().__init__(404, f"Resource not found for the segment '{name}'.")


@dataclass(frozen=True)
class ResourcePath:
    kind: PathKind
    entity_set: str = ""
    key: UUID | None = None
    prop: str = ""


def parse_resource_path(path: str) -> ResourcePath:
    """The addressed resource; ODataError (404 unknown segment, 400 bad key) otherwise."""
    text = path.strip("/")
    special: dict[str, PathKind] = {"": "service", "$metadata": "metadata", "$batch": "batch"}
    if text in special:
        return ResourcePath(special[text])
    first, *rest = text.split("/")
    match = _SEGMENT.match(first)
    if match is None:
        raise not_found(f"Resource not found for the segment '{first}'.")
    entity_set, key_text = match.group(1), match.group(2)
    if entity_set not in ENTITY_SETS:
        raise UnknownEntitySetError(entity_set)
    key = _key(key_text) if key_text is not None else None
    if key is None and rest and parse_guid(rest[0]):
        key, rest = parse_guid(rest[0]), rest[1:]  # key-as-segment: Case/<guid>
    if key is None:
        if not rest:
            return ResourcePath("collection", entity_set)
        if rest == ["$count"]:
            return ResourcePath("count", entity_set)
        raise not_found(f"Resource not found for the segment '{rest[0]}'.")
    return _below_entity(entity_set, key, rest)


def _below_entity(entity_set: str, key: UUID, rest: list[str]) -> ResourcePath:
    if not rest:
        return ResourcePath("entity", entity_set, key)
    column = ENTITY_SETS[entity_set].by_name.get(rest[0])
    if column is None or len(rest) > 2 or (len(rest) == 2 and rest[1] != "$value"):
        raise not_found(f"Resource not found for the segment '{'/'.join(rest)}'.")
    return ResourcePath("value" if len(rest) == 2 else "property", entity_set, key, column.name)


def _key(text: str) -> UUID:
    value = text.strip()
    value = value[3:].strip() if value.startswith("Id=") else value
    key = parse_guid(value)
    if key is None:
        raise bad_request(
            f"The key value '{text}' was not recognized as a valid 'Edm.Guid' (GUID keys are written bare)."
        )
    return key
