"""The settings needed to talk to one Creatio instance: its URLs, OAuth client, platform, and the OData root
and token endpoint once known (detected and discovered at Test & Save, then stored with the connection)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.adapters.creatio.urls import cloud_token_endpoint, normalize_identity_url, normalize_instance_url
from app.domain.creatio_platforms import ODATA_PATHS, CreatioPlatform, PlatformChoice


@dataclass(frozen=True)
class CreatioInstance:
    """One Creatio instance plus its OAuth client. The secret never appears in `repr`.

    `platform` is the admin's choice; with "auto", `odata_root` is what was detected (None: detect it at the
    first request). `token_endpoint` None means: find it at the first token request (cloud rule, discovery
    document, fallback). Construct it with already normalised URLs, or use `from_input` for raw admin input.
    """

    instance_url: str
    client_id: str
    client_secret: str = field(repr=False)
    identity_url: str | None = None
    platform: PlatformChoice = "auto"
    odata_root: str | None = None
    token_endpoint: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "instance_url", self.instance_url.rstrip("/"))
        if self.identity_url is not None:
            object.__setattr__(self, "identity_url", self.identity_url.rstrip("/") or None)
        if self.platform != "auto":  # the admin's choice wins over anything stored
            object.__setattr__(self, "odata_root", self.instance_url + ODATA_PATHS[self.platform])

    @classmethod
    def from_input(
        cls,
        instance_url: str,
        client_id: str,
        client_secret: str,
        identity_url: str | None = None,
        *,
        platform: PlatformChoice = "auto",
        allow_insecure_loopback: bool = False,
    ) -> CreatioInstance:
        """Validate and normalise admin input; raises InvalidCreatioUrl with a message saying what to fix."""
        instance = normalize_instance_url(instance_url, allow_insecure_loopback=allow_insecure_loopback)
        identity = (
            normalize_identity_url(identity_url, allow_insecure_loopback=allow_insecure_loopback)
            if identity_url and identity_url.strip()
            else None
        )
        return cls(instance, client_id.strip(), client_secret.strip(), identity, platform)

    @property
    def odata_root_candidates(self) -> tuple[str, ...]:
        """The OData roots to try, in order: the known one, else .NET Framework's then .NET Core's."""
        if self.odata_root is not None:
            return (self.odata_root,)
        return tuple(self.instance_url + path for path in ODATA_PATHS.values())

    @property
    def cloud_token_endpoint(self) -> str | None:
        """`https://<site>-is.creatio.com/connect/token` for a cloud site without an identity URL."""
        return None if self.identity_url else cloud_token_endpoint(self.instance_url)


def platform_of(instance_url: str, odata_root: str) -> CreatioPlatform | None:
    """Which platform an OData root of this instance belongs to."""
    return next((p for p, path in ODATA_PATHS.items() if odata_root == instance_url + path), None)
