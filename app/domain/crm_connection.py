"""Connection settings as admins enter them, as stored, and as shown back (secret masked); the names
admins pick the connection's default owner, group and resolved status from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from app.domain.creatio_platforms import PlatformChoice
from app.domain.text_rules import refuse_nul

SECRET_MASK = "********"  # noqa: S105 (a mask, not a secret)


class ConnectionSettings(BaseModel):
    """A complete connection, as used to talk to Creatio."""

    model_config = ConfigDict(frozen=True)

    instance_url: str
    identity_url: str | None = None
    client_id: str
    client_secret: SecretStr
    default_owner_id: UUID | None = None
    default_group_id: UUID | None = None
    resolved_status_id: UUID | None = None
    create_case_only_on_handoff: bool = False
    platform: PlatformChoice = "auto"
    odata_root: str | None = None  # found by Test & Save; None: detected at the first request
    token_endpoint: str | None = None  # found by Test & Save; None: found at the first token request


class ConnectionSettingsInput(BaseModel):
    """What the admin submits. Leaving client_secret out keeps the saved one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    instance_url: str = Field(min_length=1, max_length=2048, examples=["https://yourcompany.creatio.com"])
    identity_url: str | None = Field(default=None, max_length=2048)
    client_id: str = Field(min_length=1, max_length=512)
    client_secret: SecretStr | None = Field(
        default=None, description="Write-only; omit to keep the saved one."
    )
    default_owner_id: UUID | None = Field(default=None, description="Creatio Contact GUID of the case owner.")
    default_group_id: UUID | None = Field(default=None, description="Creatio SysAdminUnit GUID of the group.")
    resolved_status_id: UUID | None = Field(default=None, description="Creatio CaseStatus GUID for resolved.")
    create_case_only_on_handoff: bool = False
    platform: PlatformChoice = Field(
        default="auto",
        description="Creatio's platform: auto (Test & Save detects the OData root), netframework "
        "(<instance>/0/odata) or netcore (.NET Core / .NET 8: <instance>/odata).",
    )

    @field_validator("instance_url", "identity_url", "client_id")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        return None if value is None else refuse_nul(value)

    @field_validator("identity_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("default_owner_id", "default_group_id", "resolved_status_id", mode="before")
    @classmethod
    def _blank_guid_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


class ConnectionSettingsView(BaseModel):
    """What the API shows: everything but the secret, which is only said to be set."""

    instance_url: str
    identity_url: str | None
    platform: PlatformChoice
    odata_root: str | None  # None until detected
    token_endpoint: str
    client_id: str
    client_secret: str = SECRET_MASK
    default_owner_id: UUID | None
    default_group_id: UUID | None
    resolved_status_id: UUID | None
    create_case_only_on_handoff: bool
    verified_at: datetime | None


@dataclass(frozen=True)
class PickItem:
    id: UUID
    name: str
    detail: str = ""  # what else helps choosing: "resolved", "final", the user's login name


@dataclass(frozen=True)
class PickLists:
    owners: list[PickItem]  # Contact ids of active users (case owners are Contacts)
    groups: list[PickItem]  # SysAdminUnit ids of roles, teams, divisions
    statuses: list[PickItem]  # CaseStatus ids
