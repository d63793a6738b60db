"""Which Creatio platform the sandbox plays (`SandboxConfig.platform`): the paths that answer, and what the
other platform's paths give. Sources and what is assumed: app/sandbox/README.md, "Platform mode"."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response

from app.domain.creatio_platforms import CreatioPlatform

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
