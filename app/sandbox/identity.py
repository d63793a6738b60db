"""The Identity Service: client-credentials token endpoint, revocation and discovery, at `/` and, on
.NET Framework, `/0/`."""

from __future__ import annotations

import base64
import binascii
import hmac
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qs, unquote_plus

from litestar import Request, Response, get, post
from litestar.di import NamedDependency

from app.sandbox.http import base_url, fault_response, json_response
from app.sandbox.platform import other_platform_answer, serves
from app.sandbox.store import SandboxStore
from app.sandbox.tokens import scope_for

_NO_CACHE = MappingProxyType({"Cache-Control": "no-store", "Pragma": "no-cache"})
LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>Creatio</title></head><body>"
    '<form id="loginForm" method="post" action="/ServiceModel/AuthService.svc/Login">'
    '<input name="UserName"/><input name="UserPassword" type="password"/>'
    "<button>Log in</button></form></body></html>"
)


def _prefix(request: Request[Any, Any, Any]) -> str:
    return "/0" if str(request.scope["path"]).startswith("/0/") else ""


def _error(code: str, store: SandboxStore) -> Response[bytes]:
    store.stats.token_errors[code] += 1
    return json_response(400, {"error": code}, _NO_CACHE)


def _credentials(request: Request[Any, Any, Any], form: dict[str, str]) -> tuple[str, str] | None:
    """(client_id, client_secret) from HTTP Basic (preferred) or from the form (client_secret_post)."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic" and encoded.strip():
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, sep, secret = decoded.partition(":")
        return (unquote_plus(client_id), unquote_plus(secret)) if sep else None
    if "client_id" in form and "client_secret" in form:
        return form["client_id"], form["client_secret"]
    return None


@post(["/connect/token", "/0/connect/token"], status_code=200, include_in_schema=False)
async def token_endpoint(
    request: Request[Any, Any, Any], sandbox: NamedDependency[SandboxStore]
) -> Response[bytes]:
    """POST grant_type=client_credentials; 200 with a Bearer token or 400 with an RFC 6749 error."""
    store = sandbox
    if not serves(store.config.platform, request.scope["path"]):
        return other_platform_answer(request, store.config.platform)
    store.stats.token_requests += 1
    if not store.faults.applies(token_endpoint=True):
        return await _token_answer(request, store)
    decision = await store.faults.before_request()
    if decision.kind in ("429", "5xx"):
        response = fault_response(decision)
    else:
        response = await _token_answer(request, store)
    await store.faults.hold_until_due(decision)
    return response


async def _token_answer(request: Request[Any, Any, Any], store: SandboxStore) -> Response[bytes]:
    if store.config.html_login_mode:
        return Response(LOGIN_PAGE.encode(), status_code=200, media_type="text/html; charset=utf-8")
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", "").lower():
        return _error("invalid_request", store)
    parsed = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    form = {key: values[0] for key, values in parsed.items()}
    credentials = _credentials(request, form)
    if credentials is None or not form.get("grant_type"):
        return _error("invalid_request", store)
    client_id, secret = credentials
    expected = store.config.clients.get(client_id)
    if expected is None or not hmac.compare_digest(expected.encode(), secret.encode()):
        return _error("invalid_client", store)
    if form["grant_type"] != "client_credentials":
        return _error("unsupported_grant_type", store)
    if "client_credentials" not in store.config.client_grant_types.get(client_id, ["client_credentials"]):
        return _error("unauthorized_client", store)  # the OAuth app exists but is not server-to-server
    lifetime = store.faults.profile.token_lifetime_seconds or store.config.token_lifetime_seconds
    token = store.tokens.issue(client_id, store.technical_user_id, lifetime)
    store.stats.tokens_issued += 1
    body = {
        "access_token": token,
        "expires_in": lifetime,
        "token_type": "Bearer",
        "scope": scope_for(client_id),
    }
    return json_response(200, body, _NO_CACHE)


@post(["/connect/revocation", "/0/connect/revocation"], status_code=200, include_in_schema=False)
async def revocation_endpoint(
    request: Request[Any, Any, Any], sandbox: NamedDependency[SandboxStore]
) -> Response[bytes]:
    """RFC 7009: revoke `token` for an authenticated client; 200 even for unknown tokens."""
    if not serves(sandbox.config.platform, request.scope["path"]):
        return other_platform_answer(request, sandbox.config.platform)
    parsed = parse_qs((await request.body()).decode("utf-8", "replace"))
    form = {key: values[0] for key, values in parsed.items()}
    credentials = _credentials(request, form)
    expected = sandbox.config.clients.get(credentials[0]) if credentials else None
    if credentials is None or expected is None or not hmac.compare_digest(expected, credentials[1]):
        return json_response(400, {"error": "invalid_client"}, _NO_CACHE)
    if "token" not in form:
        return json_response(400, {"error": "invalid_request"}, _NO_CACHE)
    sandbox.tokens.revoke(form["token"])
    return Response(b"", status_code=200, headers=dict(_NO_CACHE))


@get(
    ["/.well-known/openid-configuration", "/0/.well-known/openid-configuration"],
    include_in_schema=False,
)
async def discovery_endpoint(
    request: Request[Any, Any, Any], sandbox: NamedDependency[SandboxStore]
) -> Response[bytes]:
    """The discovery document; endpoints carry the same `/0` prefix as the request."""
    if not serves(sandbox.config.platform, request.scope["path"]):
        return other_platform_answer(request, sandbox.config.platform)
    issuer_base = base_url(request, sandbox) + _prefix(request)
    return json_response(
        200,
        {
            "issuer": "creatio.com",
            "token_endpoint": f"{issuer_base}/connect/token",
            "revocation_endpoint": f"{issuer_base}/connect/revocation",
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "grant_types_supported": ["client_credentials"],
            "scopes_supported": sorted(scope_for(c) for c in sandbox.config.clients),
            "claims_supported": ["client_id", "prop:SysAdminUnitId", "prop:Type"],
        },
    )
