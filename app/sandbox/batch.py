"""JSON `$batch`: sub-requests in order, atomicity groups (all or nothing), stop at the first failure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from uuid import UUID, uuid4

from app.sandbox.errors import ODataError, bad_request, error_body
from app.sandbox.odata import NO_BODY, ODataRequest, ODataResponse, ODataService
from app.sandbox.store import SandboxStore

_ROOT_PREFIXES = ("/0/odata/", "/odata/")


@dataclass(frozen=True)
class BatchContext:
    root: str
    user_contact: UUID
    continue_on_error: bool
    read_only: bool = False


def write_denied(path: str) -> ODataResponse:
    """403 for a write by a technical user who may only read (`SandboxConfig.read_only_clients`)."""
    entity_set = path.strip("/").split("/")[0].split("(")[0]
    detail = f"Insufficient permissions to add, change or delete records of the '{entity_set}' schema."
    return ODataResponse(403, error_body("Forbidden", detail))


def run_batch(
    store: SandboxStore,
    raw: bytes,
    *,
    content_type: str,
    prefer: str,
    root: str,
    user_contact: UUID,
    read_only: bool = False,
) -> ODataResponse:
    """Execute a JSON batch body; the outer answer is 200 unless the batch itself is malformed."""
    try:
        requests = _parse(raw, content_type, store.config.max_batch_requests)
    except ODataError as error:
        return ODataResponse(error.status, error.body())
    context = BatchContext(root, user_contact, "continue-on-error" in prefer.lower(), read_only)
    store.stats.batches += 1
    service = ODataService(store)
    responses: list[dict[str, Any]] = []
    group_ids: dict[str, str] = {}
    for group, members in _units(requests):
        group_id = group_ids.setdefault(group, str(uuid4())) if group else None
        results, failed = _run_unit(store, service, members, group_id, context)
        responses.extend(results)
        if failed and not context.continue_on_error:
            break
    return ODataResponse(200, {"responses": responses})


def _parse(raw: bytes, content_type: str, limit: int) -> list[dict[str, Any]]:
    if "application/json" not in content_type.lower():
        raise bad_request("The sandbox supports JSON batch requests only (Content-Type: application/json).")
    try:
        payload = json.loads(raw or b"null")
    except ValueError as exc:
        raise bad_request(f"The batch request body is not valid JSON: {exc}.") from exc
    requests = payload.get("requests") if isinstance(payload, dict) else None
    if not isinstance(requests, list) or not all(isinstance(r, dict) for r in requests):
        raise bad_request("A JSON batch body must be an object with a 'requests' array of objects.")
    if len(requests) > limit:
        raise bad_request(
            "The current batch message contains too many parts. Only batch messages with a maximum number "
            f"of '{limit}' query operations and change sets are allowed."
        )
    for request in requests:
        if not isinstance(request.get("method"), str) or not isinstance(request.get("url"), str):
            raise bad_request("Every batch request needs a 'method' and a 'url'.")
    return requests


def _units(requests: list[dict[str, Any]]) -> list[tuple[str | None, list[dict[str, Any]]]]:
    """Adjacent requests of the same atomicityGroup form one unit; others run alone."""
    units: list[tuple[str | None, list[dict[str, Any]]]] = []
    for request in requests:
        group = request.get("atomicityGroup")
        name = str(group) if group else None
        if name and units and units[-1][0] == name:
            units[-1][1].append(request)
        else:
            units.append((name, [request]))
    return units


def _run_unit(
    store: SandboxStore,
    service: ODataService,
    members: list[dict[str, Any]],
    group_id: str | None,
    context: BatchContext,
) -> tuple[list[dict[str, Any]], bool]:
    results: list[dict[str, Any]] = []
    with store.tables.journal() as changes:
        for member in members:
            request = _sub_request(member, context)
            writes = request.method != "GET"
            response = write_denied(request.path) if context.read_only and writes else service.handle(request)
            store.stats.batch_sub_requests += 1
            result = _sub_response(member, response, group_id)
            if response.status >= 400:
                if group_id is not None:  # the whole group fails and is undone
                    store.tables.rollback(changes)
                    return [result], True
                results.append(result)
                return results, True
            results.append(result)
    return results, False


def _sub_request(member: dict[str, Any], context: BatchContext) -> ODataRequest:
    parts = urlsplit(member["url"])
    path = unquote(parts.path)
    for prefix in _ROOT_PREFIXES:
        if path.startswith(prefix):
            path = path[len(prefix) :]
    headers = {str(k).lower(): str(v) for k, v in (member.get("headers") or {}).items()}
    return ODataRequest(
        method=member["method"].upper(),
        path=path.lstrip("/"),
        query=parse_qsl(parts.query, keep_blank_values=True),
        root=context.root,
        user_contact=context.user_contact,
        body=member.get("body", NO_BODY),
        prefer=headers.get("prefer", ""),
    )


def _sub_response(member: dict[str, Any], response: ODataResponse, group_id: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {"id": str(member.get("id", ""))}
    if group_id is not None:
        result["atomicityGroup"] = group_id
    headers = {"odata-version": "4.0"}
    if response.body is not None:
        headers["content-type"] = response.media_type
    headers.update({k.lower(): v for k, v in response.headers.items()})
    result |= {"status": response.status, "headers": headers}
    if response.body is not None:
        result["body"] = response.body
    return result
