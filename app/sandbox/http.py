"""HTTP helpers shared by the sandbox handlers: base URLs, Bearer tokens, OData and fault responses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from litestar import Request, Response

from app.sandbox.errors import ODataError
from app.sandbox.faults import FaultDecision
from app.sandbox.odata import JSON_TYPE, ODataResponse
from app.sandbox.store import SandboxStore

ODATA_HEADERS = MappingProxyType({"OData-Version": "4.0"})


def base_url(request: Request[Any, Any, Any], store: SandboxStore) -> str:
    """`public_base_url` if configured, else scheme://host of the request (no trailing slash)."""
    configured = store.config.public_base_url
    return (configured or str(request.base_url)).rstrip("/")


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response[bytes]:
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(content, status_code=status, media_type="application/json", headers=dict(headers or {}))


def unauthorized() -> Response[bytes]:
    """The bare 401 Creatio answers for a missing, invalid, expired or revoked token."""
    return Response(b"", status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def to_http(response: ODataResponse) -> Response[bytes]:
    headers = ODATA_HEADERS | response.headers
    if response.status == 401:
        return unauthorized()
    if response.body is None:
        return Response(b"", status_code=response.status, headers=headers)
    if isinstance(response.body, str):
        content = response.body.encode()
    else:
        content = json.dumps(response.body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(content, status_code=response.status, media_type=response.media_type, headers=headers)


def fault_response(decision: FaultDecision) -> Response[bytes]:
    """The injected 5xx or 429, with Creatio's error body (and Retry-After for 429)."""
    if decision.kind == "429":
        error = ODataError(429, "Rate limit exceeded (injected by the sandbox).")
        headers = ODATA_HEADERS | {"Retry-After": str(decision.retry_after)}
    else:
        error = ODataError(decision.status, "Service temporarily unavailable (injected by the sandbox).")
        headers = dict(ODATA_HEADERS)
    return Response(
        json.dumps(error.body(), separators=(",", ":")).encode(),
        status_code=error.status,
        media_type=JSON_TYPE,
        headers=headers,
    )
