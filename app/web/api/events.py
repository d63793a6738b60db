"""POST /api/v1/events: verify the signature, validate, store the event and its job, answer 202.

A raw ASGI handler, not a Litestar controller: intake is the one route that takes thousands of requests a
second, and Litestar's per-request machinery (signature model, dependency injection, Request and Response
objects) is a measurable share of its CPU (bench/intake.py; see docs/performance.md). So it reads its
services itself (`services_of`); a wrong signature still rises to the app's exception handlers (401).
Routing, the request-log middleware and /metrics see the route like any other; `document_events_route`
documents it in /schema.
"""

from __future__ import annotations

import json
import logging
from typing import Any, cast

from litestar import Litestar, asgi
from litestar.enums import ScopeType
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    PathItem,
    RequestBody,
)
from litestar.openapi.spec import Schema as OpenAPISchema
from litestar.types import Receive, Scope, Send
from pydantic import ValidationError

from app.domain.events import CHAT_EVENT
from app.domain.signature import SIGNATURE_HEADER, verify
from app.web.services import WebServices, services_of

logger = logging.getLogger(__name__)
EVENTS_PATH = "/api/v1/events"
MAX_EVENT_BYTES = 256 * 1024
_SIGNATURE_HEADER = SIGNATURE_HEADER.lower().encode("latin-1")


class _Disconnected(Exception):
    """The client went away before sending the whole body: there is no one to answer."""


class _TooLarge(Exception):
    pass


@asgi(EVENTS_PATH, is_mount=False, copy_scope=False, tags=["chat platform"])
async def receive_event(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == ScopeType.WEBSOCKET:
        await send({"type": "websocket.close", "code": 1008, "reason": "POST events over HTTP"})
        return
    if scope["method"] != "POST":
        await _answer(send, 405, {"status_code": 405, "detail": "Method Not Allowed: use POST"}, allow=True)
        return
    try:
        body = await _read_body(scope, receive)
    except _Disconnected:
        return
    except _TooLarge:
        detail = f"The event is larger than {MAX_EVENT_BYTES // 1024} KiB: send one event per request."
        await _answer(send, 413, {"status_code": 413, "detail": detail})
        return
    services = services_of(Litestar.from_scope(scope).state)
    status, answer = await _intake(services, _header(scope, _SIGNATURE_HEADER), body)
    await _answer(send, status, answer)


async def _intake(services: WebServices, signature: str | None, body: bytes) -> tuple[int, dict[str, Any]]:
    verify(signature, body, services.chat_signing_secrets)
    try:
        event = CHAT_EVENT.validate_json(body)
    except ValidationError as exc:
        return 400, _validation_body(exc)
    intake = services.intake
    if await intake.record(event, body) == "duplicate":
        return 200, {"status": "duplicate", "id": event.id}
    services.wake_workers(intake.sync_delay_for(event).total_seconds())
    return 202, {"status": "accepted", "id": event.id}


async def _read_body(scope: Scope, receive: Receive) -> bytes:
    announced = _header(scope, b"content-length")
    if announced is not None and announced.isdigit() and int(announced) > MAX_EVENT_BYTES:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_EVENT_BYTES:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


async def _answer(send: Send, status: int, body: dict[str, Any], *, allow: bool = False) -> None:
    data = json.dumps(body, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    if allow:
        headers.append((b"allow", b"POST"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data, "more_body": False})


def _validation_body(exc: ValidationError) -> dict[str, Any]:
    errors = []
    for error in exc.errors(include_url=False, include_input=False):
        location = list(error["loc"])
        if location and isinstance(location[0], str) and "." in location[0]:
            location = location[1:]  # drop the event-type tag pydantic puts first for tagged unions
        errors.append(
            {"field": ".".join(str(part) for part in location) or "(body)", "message": error["msg"]}
        )
    return {"status_code": 400, "detail": "The event is not valid; fix the fields listed.", "errors": errors}


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
