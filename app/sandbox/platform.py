"""Which Creatio platform the sandbox plays (`SandboxConfig.platform`): the paths that answer, and what the
other platform's paths give. Sources and what is assumed: app/sandbox/README.md, "Platform mode"."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response

from app.domain.creatio_platforms import CreatioPlatform
from app.sandbox.config import SandboxConfig

LOGIN_PATH = "/Login/NuiLogin.aspx"


def serves(platform: CreatioPlatform, path: str) -> bool:
    """Whether `path` (OData or identity) belongs to this platform's form of the app."""
    under_zero = path == "/0" or path.startswith("/0/")
    if path == "/odata" or path.startswith("/odata/"):
        return platform == "netcore"
    return platform == "netframework" or not under_zero


def other_platform_answer(request: Request[Any, Any, Any], platform: CreatioPlatform) -> Response[bytes]:
    """What a path of the other platform gets (assumed, not confirmed): on .NET Core, a bare 404 from
    ASP.NET Core routing for `/0/...`; on .NET Framework, IIS's root application sends `/odata/...` to
    the login page, as Creatio does for requests it does not authenticate."""
    if platform == "netcore":
        return Response(b"", status_code=404)
    target = f"{LOGIN_PATH}?ReturnUrl={quote(str(request.scope['path']), safe='')}"
    return Response(b"", status_code=302, headers={"Location": target})


def unknown_entity_set_status(config: SandboxConfig) -> int:
    """The bare answer to an unknown entity set. ASP.NET OData 7.5's route does not match a path ODataLib
    cannot parse (no OData error body); then .NET Framework Creatio answers 401 (seen live by creatio-api-py)
    and ASP.NET Core 404 (assumed, as for `/0/...` above)."""
    if config.unknown_entity_set_status is not None:
        return config.unknown_entity_set_status
    return 404 if config.platform == "netcore" else 401
