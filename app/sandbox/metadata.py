"""The OData service document (entity-set list) and a minimal CSDL `$metadata` document."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

from app.sandbox.schema import ENTITY_SETS, TYPE_NAMESPACE, EntityDef


def service_document(root: str) -> dict[str, Any]:
    return {
        "@odata.context": f"{root}/$metadata",
        "value": [{"name": name, "kind": "EntitySet", "url": name} for name in ENTITY_SETS],
    }


def metadata_document() -> str:
    """CSDL XML with every entity type, its properties and navigation properties."""
    types = "".join(_entity_type(entity) for entity in ENTITY_SETS.values())
    sets = "".join(f'<EntitySet Name="{name}" EntityType="{TYPE_NAMESPACE}.{name}"/>' for name in ENTITY_SETS)
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">'
        "<edmx:DataServices>"
        f'<Schema Namespace="{TYPE_NAMESPACE}" xmlns="http://docs.oasis-open.org/odata/ns/edm">'
        f"{types}"
        f'<EntityContainer Name="Container">{sets}</EntityContainer>'
        "</Schema></edmx:DataServices></edmx:Edmx>"
    )


def _entity_type(entity: EntityDef) -> str:
    props = "".join(
        f"<Property Name={quoteattr(c.name)} Type={quoteattr(c.edm.value)}{_nullable(c.name)}/>"
        for c in entity.columns
    )
    navs = "".join(
        f'<NavigationProperty Name="{c.nav}" Type="{TYPE_NAMESPACE}.{c.target}"/>'
        for c in entity.columns
        if c.target
    )
    return f'<EntityType Name="{entity.name}"><Key><PropertyRef Name="Id"/></Key>{props}{navs}</EntityType>'


def _nullable(name: str) -> str:
    return ' Nullable="false"' if name == "Id" else ""
