"""The OpenAPI entry for POST /api/v1/events, which Litestar cannot derive from a raw ASGI handler."""

from __future__ import annotations

from typing import Any, cast

from litestar import Litestar
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    PathItem,
    RequestBody,
)
from litestar.openapi.spec import Schema as OpenAPISchema

from app.adapters.chat.signature import SIGNATURE_HEADER
from app.domain.events import CHAT_EVENT
from app.web.events_api import EVENTS_PATH, MAX_EVENT_BYTES

_SCHEMA_PREFIX = "ChatEvent."
_ANSWERS = {
    "202": "Accepted: stored, its sync queued.",
    "200": "A repeat of an event id already accepted: nothing was done.",
    "400": "Not a valid event: `errors` lists each field with what is wrong.",
    "401": f"The {SIGNATURE_HEADER} header is missing, malformed, stale or does not match.",
    "405": "Only POST is accepted.",
    "413": f"The body is larger than {MAX_EVENT_BYTES // 1024} KiB.",
}


def document_events_route(app: Litestar) -> None:
    """Adds the route, its event schema and its answers to the app's OpenAPI document (/schema)."""
    schema = CHAT_EVENT.json_schema(ref_template=f"#/components/schemas/{_SCHEMA_PREFIX}{{model}}")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    openapi = app.openapi_schema
    known = openapi.components.schemas if openapi.components.schemas is not None else {}
    known |= {f"{_SCHEMA_PREFIX}{name}": _as_schema(value) for name, value in definitions.items()}
    openapi.components.schemas = known
    operation = Operation(
        tags=["chat platform"],
        summary="Receive one signed conversation event from the chat platform.",
        description=(
            f"Signed with `{SIGNATURE_HEADER}: t=<unix seconds>,"
            'v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (5-minute tolerance). '
            "One event per request; events of a conversation may arrive in any order."
        ),
        operation_id="ReceiveChatEvent",
        request_body=RequestBody(
            content={"application/json": OpenAPIMediaType(schema=_as_schema(schema))}, required=True
        ),
        responses={status: OpenAPIResponse(description=text) for status, text in _ANSWERS.items()},
    )
    openapi.paths = {**(openapi.paths or {}), EVENTS_PATH: PathItem(post=operation)}


def _as_schema(json_schema: dict[str, Any]) -> OpenAPISchema:
    # The OpenAPI document serialises plain dicts as they are: pydantic's JSON schema goes in unchanged.
    return cast(OpenAPISchema, json_schema)
