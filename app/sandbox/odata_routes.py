"""The OData HTTP endpoint: faults, Bearer check, then `$batch` or a single operation."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request, Response, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler

from app.domain.creatio_platforms import ODATA_PATHS
from app.sandbox.batch import run_batch, write_denied
from app.sandbox.errors import bad_request, error_body
from app.sandbox.faults import FaultDecision
from app.sandbox.http import base_url, bearer_token, fault_response, to_http, unauthorized
from app.sandbox.odata import NO_BODY, ODataRequest, ODataResponse, ODataService
from app.sandbox.platform import other_platform_answer, serves
from app.sandbox.store import SandboxStore

ODATA_METHODS: tuple[HttpMethod, ...] = (
    HttpMethod.GET,
    HttpMethod.POST,
    HttpMethod.PATCH,
    HttpMethod.PUT,
    HttpMethod.DELETE,
)


async def odata_endpoint(
    request: Request[Any, Any, Any], sandbox: NamedDependency[SandboxStore]
) -> Response[bytes]:
    """Everything below the platform's OData root (`/0/odata` or `/odata`)."""
    store = sandbox
    path: str = request.scope["path"]
    if not serves(store.config.platform, path):
        return other_platform_answer(request, store.config.platform)
    prefix = ODATA_PATHS[store.config.platform]
    store.stats.odata_requests += 1
    decision = await store.faults.before_request()
    response = await _answer(request, store, path, prefix, decision)
    await store.faults.hold_until_due(decision)
    return response


async def _answer(
    request: Request[Any, Any, Any], store: SandboxStore, path: str, prefix: str, decision: FaultDecision
) -> Response[bytes]:
    if decision.kind == "429" or (decision.kind == "5xx" and not decision.after_processing):
        return fault_response(decision)
    info = store.tokens.validate(bearer_token(request) or "")
    if info is None:
        store.stats.unauthorized += 1
        return unauthorized()
    denied = _forbidden(store, info.client_id, path[len(prefix) :])
    read_only = info.client_id in store.config.read_only_clients
    if denied is None and read_only and request.method != "GET" and not _is_batch(path, prefix):
        denied = write_denied(path[len(prefix) :])
    if denied is not None:
        return to_http(denied)
    root = base_url(request, store) + prefix
    user_contact = store.contact_for_user(info.user_id)
    raw = await request.body()
    if _is_batch(path, prefix) and request.method == "POST":
        result = run_batch(
            store,
            raw,
            content_type=request.headers.get("content-type", ""),
            prefer=request.headers.get("prefer", ""),
            root=root,
            user_contact=user_contact,
            read_only=read_only,
        )
    else:
        result = _single(store, request, path[len(prefix) :], raw, root, user_contact)
    if decision.kind == "5xx":
        return fault_response(decision)
    return to_http(result)


def _is_batch(path: str, prefix: str) -> bool:
    return path[len(prefix) :].strip("/") == "$batch"


def _forbidden(store: SandboxStore, client_id: str, rest: str) -> ODataResponse | None:
    """403 for an entity set the client's technical user has no rights on (batch sub-requests excluded)."""
    entity_set = rest.strip("/").split("/")[0].split("(")[0]
    if entity_set not in store.config.forbidden_entity_sets.get(client_id, []):
        return None
    detail = f"Insufficient permissions to read or change objects of the '{entity_set}' schema."
    return ODataResponse(403, error_body("Forbidden", detail))


def _single(
    store: SandboxStore, request: Request[Any, Any, Any], path: str, raw: bytes, root: str, user_contact: Any
) -> ODataResponse:
    body: Any = NO_BODY
    if raw.strip():
        try:
            body = json.loads(raw)
        except ValueError as exc:
            error = bad_request(f"The request body is not valid JSON: {exc}.")
            return ODataResponse(error.status, error.body())
    odata_request = ODataRequest(
        method=request.method.upper(),
        path=path.lstrip("/"),
        query=parse_qsl(request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True),
        root=root,
        user_contact=user_contact,
        body=body,
        prefer=request.headers.get("prefer", ""),
    )
    return ODataService(store).handle(odata_request)


def odata_handler() -> HTTPRouteHandler:
    """The route handler for both OData roots; the one of the other platform answers as that platform."""
    paths = ["/0/odata", "/0/odata/{odata_path:path}", "/odata", "/odata/{odata_path:path}"]
    return route(paths, http_method=list(ODATA_METHODS), name=None, include_in_schema=False)(odata_endpoint)
