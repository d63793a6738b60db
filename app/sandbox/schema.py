"""The entity sets the sandbox serves: columns, Edm types and lookup (navigation) targets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from app.sandbox.values import Edm

TYPE_NAMESPACE = "Terrasoft.Configuration"


@dataclass(frozen=True)
class Column:
    """One OData property; a lookup column `XId` also has a navigation property `X` to `target`."""

    name: str
    edm: Edm
    target: str | None = None

    @property
    def nav(self) -> str | None:
        """The navigation property name of a lookup column (`StatusId` -> `Status`)."""
        return self.name[:-2] if self.target else None


@dataclass(frozen=True)
class EntityDef:
    """An entity set: its name and ordered columns, indexed by column and navigation name."""

    name: str
    columns: tuple[Column, ...]
    by_name: Mapping[str, Column] = field(init=False, repr=False)
    by_nav: Mapping[str, Column] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", MappingProxyType({c.name: c for c in self.columns}))
        navs = {c.nav: c for c in self.columns if c.nav}
        object.__setattr__(self, "by_nav", MappingProxyType(navs))

    @property
    def type_name(self) -> str:
        """The qualified type name used in error messages."""
        return f"{TYPE_NAMESPACE}.{self.name}"


def _s(name: str) -> Column:
    return Column(name, Edm.STRING)


def _d(name: str) -> Column:
    return Column(name, Edm.DATETIME)


def _b(name: str) -> Column:
    return Column(name, Edm.BOOLEAN)


def _i(name: str) -> Column:
    return Column(name, Edm.INT32)


def _f(name: str) -> Column:
    return Column(name, Edm.DECIMAL)


def _g(name: str, target: str) -> Column:
    return Column(name, Edm.GUID, target)


def _entity(name: str, *columns: Column) -> EntityDef:
    common = (
        Column("Id", Edm.GUID),
        _d("CreatedOn"),
        _g("CreatedById", "Contact"),
        _d("ModifiedOn"),
        _g("ModifiedById", "Contact"),
        _i("ProcessListeners"),
    )
    return EntityDef(name, common + columns)


def _lookup(name: str, *extra: Column) -> EntityDef:
    return _entity(name, _s("Name"), _s("Description"), *extra)


_CASE = _entity(
    "Case",
    *map(_s, ("Number", "Subject", "Symptoms", "Notes", "Solution", "SatisfactionLevelComment")),
    *map(_d, ("RegisteredOn", "ResponseDate", "SolutionDate", "RespondedOn")),
    *map(_d, ("SolutionProvidedOn", "FirstSolutionProvidedOn", "ClosureDate")),
    _g("StatusId", "CaseStatus"),
    _g("PriorityId", "CasePriority"),
    _g("OriginId", "CaseOrigin"),
    _g("CategoryId", "CaseCategory"),
    _g("OwnerId", "Contact"),
    _g("GroupId", "SysAdminUnit"),
    _g("ContactId", "Contact"),
    _g("AccountId", "Account"),
    _g("ClosureCodeId", "ClosureCode"),
    _g("ParentCaseId", "Case"),
    _g("ParentActivityId", "Activity"),
    _b("ResponseOverdue"),
    _b("SolutionOverdue"),
    _f("SolutionRemains"),
    # Custom columns (a tenant's `Usr` prefix) that field_mappings/default.yaml fills, and a Decimal one
    # (Creatio's Decimal and Currency types are Edm.Decimal) for `number` fields.
    _s("UsrOrderNumber"),
    _s("UsrProduct"),
    _f("UsrRefundAmount"),
)

_ACTIVITY = _entity(
    "Activity",
    _s("Title"),
    _d("StartDate"),
    _d("DueDate"),
    _g("TypeId", "ActivityType"),
    _g("ActivityCategoryId", "ActivityCategory"),
    _g("StatusId", "ActivityStatus"),
    _g("PriorityId", "ActivityPriority"),
    _g("OwnerId", "Contact"),
    _g("AuthorId", "Contact"),
    _g("OrganizerId", "Contact"),
    _g("CaseId", "Case"),
    _g("ContactId", "Contact"),
    _g("AccountId", "Account"),
    *map(_s, ("DetailedResult", "Notes", "Body", "Sender", "Recepient", "CopyRecepient", "Preview")),
    _b("IsHtmlBody"),
    _g("MessageTypeId", "EmailType"),
    _g("SenderContactId", "Contact"),
    *map(_b, ("ShowInScheduler", "IsNotPublished", "ServiceProcessed")),
)

_CONTACT = _entity(
    "Contact",
    *map(_s, ("Name", "Email", "Phone", "MobilePhone", "JobTitle", "Notes")),
    _g("AccountId", "Account"),
)

_ACCOUNT = _entity(
    "Account", *map(_s, ("Name", "Code", "Phone", "Web", "Notes")), _g("PrimaryContactId", "Contact")
)

_SYS_ADMIN_UNIT = _entity(
    "SysAdminUnit",
    _s("Name"),
    _s("Description"),
    _i("SysAdminUnitTypeValue"),
    _g("ParentRoleId", "SysAdminUnit"),
    _g("ContactId", "Contact"),
    _g("AccountId", "Account"),
    _b("Active"),
)

_CASE_STATUS = _lookup(
    "CaseStatus",
    *map(_b, ("IsFinal", "IsResolved", "IsPaused", "IsDisplayed")),
    _s("ButtonCaption"),
    _s("StatusColor"),
    _i("StageNumber"),
    _g("ClosureCodeId", "ClosureCode"),
)

ENTITY_SETS: Mapping[str, EntityDef] = MappingProxyType(
    {
        e.name: e
        for e in (
            _CASE,
            _ACTIVITY,
            _CONTACT,
            _ACCOUNT,
            _SYS_ADMIN_UNIT,
            _CASE_STATUS,
            _lookup("CasePriority", _i("Priority")),
            _lookup("CaseCategory"),
            _lookup("CaseOrigin"),
            _lookup("ClosureCode"),
            _lookup("ActivityType"),
            _lookup("ActivityCategory", _g("ActivityTypeId", "ActivityType")),
            _lookup("ActivityStatus"),
            _lookup("ActivityPriority"),
            _lookup("EmailType"),
        )
    }
)
