"""Where the access tokens of an instance come from: the Creatio cloud rule, else the `token_endpoint` of an
OpenID discovery document, else the documented default; each result says which, for Test & Save."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from app.adapters.creatio.errors import CreatioAuthUnavailableError, InvalidCreatioUrl, is_html, read_json
from app.adapters.creatio.instance import CreatioInstance
from app.adapters.creatio.urls import check_discovered_endpoint
from app.adapters.http_answers import parse_retry_after

logger = logging.getLogger(__name__)
DISCOVERY_PATH = "/.well-known/openid-configuration"


@dataclass(frozen=True)
class TokenEndpoint:
    url: str
    source: str  # how it was found, written for an admin


def discovery_documents(instance: CreatioInstance) -> tuple[str, ...]:
    """Where to look for a discovery document: the identity service's own when an identity URL is given,
    else the app's (`<instance>/0/...`, Academy 8.3; `<instance>/...` on .NET Core, assumed)."""
    if instance.identity_url:
        return (instance.identity_url + DISCOVERY_PATH,)
    bases = {
        "netframework": ("/0",),
        "netcore": ("",),
        "auto": ("/0", ""),
    }[instance.platform]
    return tuple(f"{instance.instance_url}{base}{DISCOVERY_PATH}" for base in bases)


def fallback_token_endpoint(instance: CreatioInstance) -> str:
    """The token endpoint when no discovery document names one."""
    if instance.identity_url:
        return f"{instance.identity_url}/connect/token"
    prefix = "" if instance.platform == "netcore" else "/0"
    return f"{instance.instance_url}{prefix}/connect/token"


async def find_token_endpoint(http: httpx.AsyncClient, instance: CreatioInstance) -> TokenEndpoint:
    """The cloud rule, else the first usable discovery document, else the fallback. Raises
    CreatioAuthUnavailableError when a document could not be read for a transient reason (so a passing
    outage never settles the fallback)."""
    if instance.token_endpoint is not None:
        return TokenEndpoint(instance.token_endpoint, "saved with the connection")
    cloud = instance.cloud_token_endpoint
    if cloud is not None:
        return TokenEndpoint(cloud, "the Creatio cloud rule: the site's -is.creatio.com identity host")
    misses: list[str] = []
    for document in discovery_documents(instance):
        found, miss = await _read_document(http, document)
        if found is not None:
            logger.info("Creatio token endpoint %s read from %s", found, document)
            return TokenEndpoint(found, f"the discovery document at {document}")
        misses.append(f"{document} {miss}")
    fallback = fallback_token_endpoint(instance)
    kind = "the identity URL" if instance.identity_url else "the default for an on-site instance"
    return TokenEndpoint(fallback, f"{kind}, as no discovery document named one ({'; '.join(misses)})")


async def _read_document(http: httpx.AsyncClient, url: str) -> tuple[str | None, str]:
    """(token endpoint, "") from a usable document, else (None, what the address answered)."""
    try:
        response = await http.get(url, headers={"Accept": "application/json"}, follow_redirects=False)
    except httpx.TransportError as exc:
        raise CreatioAuthUnavailableError(
            f"Could not read the OpenID discovery document at {url} ({type(exc).__name__}). Check the URL "
            "and that this server can reach that host (DNS, firewall, proxy).",
            reason="unreachable",
        ) from exc
    status = response.status_code
    if status == 429 or status >= 500:
        raise CreatioAuthUnavailableError(
            f"GET {url} answered {status}: the Creatio identity service is temporarily unavailable.",
            reason="unavailable",
            status=status,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
    if 300 <= status < 400:
        return None, f"redirected ({status})"
    if status != 200:
        return None, f"answered {status}"
    payload = read_json(response)
    if not isinstance(payload, dict):
        return None, "answered with an HTML page" if is_html(response) else "answered something not JSON"
    try:
        return check_discovered_endpoint(payload.get("token_endpoint"), url), ""
    except InvalidCreatioUrl as exc:
        return None, f"was not used: {exc.message}"
