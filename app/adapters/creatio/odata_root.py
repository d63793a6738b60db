"""Which OData root an instance answers at (`/0/odata` on .NET Framework, `/odata` on .NET Core / .NET 8),
found with a cheap authorised read of each candidate."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from app.adapters.creatio.errors import (
    CreatioError,
    CreatioPermanentError,
    error_for_response,
    is_html,
    read_json,
    unauthorized_error,
)
from app.adapters.creatio.instance import CreatioInstance, platform_of
from app.domain.creatio_platforms import CreatioPlatform

PROBE = "CaseStatus?$select=Id&$top=1"  # one row of a small lookup every technical user may read

Probe = Callable[[str], Awaitable[httpx.Response]]  # an authorised GET of a full URL


@dataclass(frozen=True)
class ODataRootFound:
    root: str
    platform: CreatioPlatform | None
    others: tuple[str, ...] = ()  # what the roots tried before it answered, e.g. "<root> answered 404"


async def detect_odata_root(instance: CreatioInstance, probe: Probe) -> ODataRootFound:
    """The first candidate root that answers the probe with OData JSON (or an OData 403: the root is right,
    the permission is not). Raises CreatioAuthError when the token is refused, CreatioRetryableError for a
    transient answer, CreatioPermanentError when no root answers."""
    misses: list[str] = []
    refused: httpx.Response | None = None
    for root in instance.odata_root_candidates:
        response = await probe(f"{root}/{PROBE}")
        if _is_odata(response):
            return ODataRootFound(root, platform_of(instance.instance_url, root), tuple(misses))
        if response.status_code == 401:
            refused = response
        elif response.status_code == 429 or response.status_code >= 500:
            raise error_for_response(response, f"GET {root}/CaseStatus")
        misses.append(f"{root} {_describe(response)}")
    if refused is not None:
        raise unauthorized_error("GET CaseStatus")
    raise _no_root(instance, misses)


def _is_odata(response: httpx.Response) -> bool:
    payload = read_json(response)
    if not isinstance(payload, dict):
        return False
    if response.status_code == 200:
        return isinstance(payload.get("value"), list)
    return response.status_code == 403 and isinstance(payload.get("error"), dict)


def _describe(response: httpx.Response) -> str:
    status = response.status_code
    if 300 <= status < 400:
        target = (response.headers.get("location") or "another address").split("?", 1)[0][:200]
        return f"redirected ({status}) to {target}"
    if is_html(response):
        return f"answered {status} with an HTML page"
    return f"answered {status}"


def _no_root(instance: CreatioInstance, misses: list[str]) -> CreatioError:
    chosen = "" if instance.platform == "auto" else " Or set the platform to Automatic in the settings."
    return CreatioPermanentError(
        f"No OData 4 service answered at {instance.instance_url}: {'; '.join(misses)}. Check the instance "
        f"URL (the address you open Creatio at, without /0 or /odata).{chosen}",
        status=404,
    )
