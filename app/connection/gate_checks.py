"""The gate checks of Test & Save: URLs, authentication and OData access."""

from __future__ import annotations

from app.adapters.creatio import (
    CreatioAuthError,
    CreatioError,
    CreatioPermanentError,
    InvalidCreatioUrl,
    normalize_identity_url,
    normalize_instance_url,
)
from app.connection.context import CheckContext, unexpected_failure
from app.connection.model import ConnectionSettings
from app.connection.report import ConnectionCheck

AUTH_HINTS: dict[str, str] = {
    "invalid_client": "Copy the Client ID and Client Secret again from System Designer > OAuth 2.0 "
    "integrated applications; the secret is shown only once, so regenerate it if it is lost.",
    "unsupported_grant_type": "Open the OAuth application in Creatio and make it a Server-to-server "
    "(Client Credentials) application.",
    "wrong_identity_url": "Leave the identity URL empty to use the default, or set it to your Identity "
    "Service, e.g. https://yourcompany-is.creatio.com (cloud) or https://yourcompany.creatio.com/0.",
    "unreachable": "Check the URL for typos and that this server can reach Creatio (DNS, firewall, proxy).",
    "unauthorized": "Make sure the OAuth application is Active in Creatio.",
    "unavailable": "Creatio's identity service is down or throttling; try Test & Save again in a minute.",
    "invalid_response": "Check that the identity URL points at Creatio's Identity Service.",
}


def normalise_urls(
    settings: ConnectionSettings, *, allow_insecure_loopback: bool
) -> tuple[ConnectionSettings | None, list[ConnectionCheck]]:
    """Normalise the instance and identity URLs; report what changed and what is unacceptable."""
    checks: list[ConnectionCheck] = []
    urls: dict[str, str | None] = {
        "instance_url": settings.instance_url,
        "identity_url": settings.identity_url,
    }
    normaliser = {"instance_url": normalize_instance_url, "identity_url": normalize_identity_url}
    for name, raw in list(urls.items()):
        if raw is None:
            continue
        try:
            urls[name] = normaliser[name](raw, allow_insecure_loopback=allow_insecure_loopback)
        except InvalidCreatioUrl as exc:
            checks.append(ConnectionCheck(name=name, status="failed", message=exc.message))
            return None, checks
        note = "" if urls[name] == raw else f" (normalised from {raw!r})"
        checks.append(ConnectionCheck(name=name, status="passed", message=f"Using {urls[name]}{note}."))
    return settings.model_copy(update=urls), checks


async def check_authentication(ctx: CheckContext) -> ConnectionCheck:
    try:
        await ctx.client.authenticate()
    except CreatioAuthError as exc:
        return ConnectionCheck(
            name="authentication", status="failed", message=exc.message, hint=AUTH_HINTS.get(exc.reason)
        )
    except CreatioError as exc:
        return unexpected_failure("authentication", exc)
    return ConnectionCheck(
        name="authentication",
        status="passed",
        message=f"Creatio issued an access token for client {ctx.settings.client_id!r}.",
    )


async def check_odata_access(ctx: CheckContext) -> ConnectionCheck:
    try:
        await ctx.client.list("Case", select=["Id"], top=1)
        await ctx.client.list("CaseStatus", select=["Id", "Name"], top=1)
    except CreatioAuthError as exc:
        return ConnectionCheck(
            name="odata_access",
            status="failed",
            message=f"Creatio issued a token but its OData API refused it: {exc.message}",
            hint="Check that the OAuth application is Active and that the identity URL belongs to this "
            "instance (clear it to use the default).",
        )
    except CreatioPermanentError as exc:
        if exc.status == 403:
            return ConnectionCheck(
                name="odata_access",
                status="failed",
                message="The OAuth application's user may not read cases in Creatio (HTTP 403).",
                hint="Grant the integration's technical user read, create and edit access to Case, "
                "Activity and Contact.",
            )
        return unexpected_failure("odata_access", exc)
    except CreatioError as exc:
        return unexpected_failure("odata_access", exc)
    return ConnectionCheck(name="odata_access", status="passed", message="OData access to Case works.")
