"""The settings needed to talk to one Creatio instance, with the derived token and OData URLs."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.adapters.creatio.urls import default_identity_base, normalize_identity_url, normalize_instance_url


@dataclass(frozen=True)
class CreatioInstance:
    """One Creatio instance plus its OAuth client. The secret never appears in `repr`.

    Construct it with already normalised URLs, or use `CreatioInstance.from_input` for raw admin input.
    """

    instance_url: str
    client_id: str
    client_secret: str = field(repr=False)
    identity_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "instance_url", self.instance_url.rstrip("/"))
        if self.identity_url is not None:
            object.__setattr__(self, "identity_url", self.identity_url.rstrip("/") or None)

    @classmethod
    def from_input(
        cls,
        instance_url: str,
        client_id: str,
        client_secret: str,
        identity_url: str | None = None,
        *,
        allow_insecure_loopback: bool = False,
    ) -> CreatioInstance:
        """Validate and normalise admin input; raises InvalidCreatioUrl with a message saying what to fix."""
        instance = normalize_instance_url(instance_url, allow_insecure_loopback=allow_insecure_loopback)
        identity = (
            normalize_identity_url(identity_url, allow_insecure_loopback=allow_insecure_loopback)
            if identity_url and identity_url.strip()
            else None
        )
        return cls(instance, client_id.strip(), client_secret.strip(), identity)

    @property
    def identity_base(self) -> str:
        """The configured identity base, or the default derived from the instance URL."""
        return self.identity_url or default_identity_base(self.instance_url)

    @property
    def token_endpoint(self) -> str:
        """Where access tokens are requested (not secret; shown in diagnostics)."""
        return f"{self.identity_base}/connect/token"

    @property
    def odata_root(self) -> str:
        """The OData 4 service root."""
        return f"{self.instance_url}/0/odata"
