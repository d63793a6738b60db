"""One OData operation against the store (used by plain requests and by `$batch` sub-requests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from app.sandbox.errors import ODataError, bad_request, not_found, server_error
from app.sandbox.metadata import metadata_document, service_document
from app.sandbox.odata_paths import ResourcePath, UnknownEntitySetError, parse_resource_path
from app.sandbox.platform import unknown_entity_set_status
from app.sandbox.query import QueryOptions, apply_filter_and_order, page, parse_options, shape
from app.sandbox.repository import create_entity, delete_entity, update_entity
from app.sandbox.schema import ENTITY_SETS
from app.sandbox.store import SandboxStore
from app.sandbox.tables import Row
from app.sandbox.values import to_json

JSON_TYPE = "application/json; odata.metadata=minimal"
NO_BODY = object()  # ODataRequest.body when the request had none


@dataclass
class ODataRequest:
    method: str
    path: str  # below the OData root, e.g. "Case(<id>)"
    query: list[tuple[str, str]]
    root: str  # absolute OData root URL, e.g. "http://host/0/odata"
    user_contact: UUID
    body: Any = NO_BODY
    prefer: str = ""
    content_type: str = ""


@dataclass
class ODataResponse:
    status: int
    body: Any = None  # JSON value, or str for text bodies
    media_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def error_response(error: ODataError, store: SandboxStore) -> ODataResponse:
    """The HTTP form of an error; an unknown entity set gets the platform's bare answer."""
    if isinstance(error, UnknownEntitySetError):
        return ODataResponse(unknown_entity_set_status(store.config), None)
    return ODataResponse(error.status, error.body())


def is_ieee754(content_type: str) -> bool:
    """Whether a media type carries `IEEE754Compatible=true` (names and values case-insensitive)."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "ieee754compatible" and value.strip().strip('"').lower() == "true":
            return True
    return False


class ODataService:
    """Dispatches a parsed request to the collection/entity operation it addresses."""

    def __init__(self, store: SandboxStore) -> None:
        self._store = store

    def handle(self, request: ODataRequest) -> ODataResponse:
        try:
            resource = parse_resource_path(request.path)
            if resource.entity_set:
                self._store.stats.count_operation(request.method, resource.entity_set)
            return self._dispatch(request, resource)
        except ODataError as error:
            return error_response(error, self._store)

    def _dispatch(self, request: ODataRequest, resource: ResourcePath) -> ODataResponse:
        method, kind = request.method, resource.kind
        if kind == "service" and method == "GET":
            return ODataResponse(200, service_document(request.root))
        if kind == "metadata" and method == "GET":
            return ODataResponse(200, metadata_document(), "application/xml")
        if kind in ("collection", "count") and method == "GET":
            return self._read_collection(request, resource)
        if kind == "collection" and method == "POST":
            return self._create(request, resource.entity_set)
        if kind in ("entity", "property", "value") and method == "GET":
            return self._read_entity(request, resource)
        if kind == "entity" and method == "PATCH":
            update_entity(
                self._store,
                resource.entity_set,
                _key(resource),
                _body(request),
                request.user_contact,
                ieee754=is_ieee754(request.content_type),
            )
            return ODataResponse(204)
        if kind == "entity" and method == "DELETE":
            delete_entity(self._store, resource.entity_set, _key(resource))
            return ODataResponse(204)
        raise ODataError(405, f"The HTTP method '{method}' is not allowed on this resource.")

    def _read_collection(self, request: ODataRequest, resource: ResourcePath) -> ODataResponse:
        store, entity = self._store, ENTITY_SETS[resource.entity_set]
        options = parse_options(entity, request.query, store.tables, strict=store.config.strict_quirks)
        matched = apply_filter_and_order(store.tables.rows(entity.name), options)
        if resource.kind == "count":
            return ODataResponse(200, str(len(matched)), "text/plain")
        rows = page(matched, options)
        limit = store.config.max_entity_row_count
        if len(rows) > limit:
            raise server_error(
                f"The query returned more than {limit} records, the maximum allowed (MaxEntityRowCount). "
                "Use $top and $skip to read the data in pages."
            )
        context = f"{request.root}/$metadata#{entity.name}"
        if options.select:
            context += f"({','.join(options.select)})"
        body: dict[str, Any] = {"@odata.context": context}
        if options.count:
            body["@odata.count"] = len(matched)
        body["value"] = [shape(entity, row, options, store.tables) for row in rows]
        return ODataResponse(200, body)

    def _read_entity(self, request: ODataRequest, resource: ResourcePath) -> ODataResponse:
        store, entity = self._store, ENTITY_SETS[resource.entity_set]
        row = self._row(resource)
        if resource.kind != "entity":
            column = entity.by_name[resource.prop]
            value = to_json(column.edm, row[column.name])
            if resource.kind == "value":
                return ODataResponse(
                    200, str(value).lower() if isinstance(value, bool) else str(value), "text/plain"
                )
            context = f"{request.root}/$metadata#{entity.name}({row['Id']})/{column.name}"
            return ODataResponse(200, {"@odata.context": context, "value": value})
        options = parse_options(entity, request.query, store.tables, strict=store.config.strict_quirks)
        body = {"@odata.context": f"{request.root}/$metadata#{entity.name}/$entity"}
        return ODataResponse(200, body | shape(entity, row, options, store.tables))

    def _create(self, request: ODataRequest, entity_set: str) -> ODataResponse:
        entity = ENTITY_SETS[entity_set]
        ieee754 = is_ieee754(request.content_type)
        row = create_entity(self._store, entity_set, _body(request), request.user_contact, ieee754=ieee754)
        location = f"{request.root}/{entity_set}({row['Id']})"
        headers = {"Location": location}
        if "return=minimal" in request.prefer:
            return ODataResponse(204, None, headers=headers | {"OData-EntityId": location})
        body = {"@odata.context": f"{request.root}/$metadata#{entity_set}/$entity"}
        return ODataResponse(
            201, body | shape(entity, row, QueryOptions(), self._store.tables), headers=headers
        )

    def _row(self, resource: ResourcePath) -> Row:
        row = self._store.tables.get(resource.entity_set, _key(resource))
        if row is None:
            raise not_found(f"No '{resource.entity_set}' record with Id '{resource.key}' was found.")
        return row


def _key(resource: ResourcePath) -> UUID:
    assert resource.key is not None
    return resource.key


def _body(request: ODataRequest) -> Any:
    if request.body is NO_BODY:
        raise bad_request("The request body is missing; send a JSON object.")
    return request.body
