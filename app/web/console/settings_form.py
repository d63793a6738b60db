"""The Creatio settings form: what was typed, names resolved to GUIDs, and the Test & Save input."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from uuid import UUID

from pydantic import SecretStr, ValidationError

from app.crm_connection.checks import ConnectionCheck, ConnectionTestReport
from app.db.stores.crm_connection import SavedConnection
from app.domain.crm_connection import ConnectionSettings, ConnectionSettingsInput, PickItem, PickLists

PICK_FIELDS = {  # form field -> (label, list on PickLists)
    "default_owner": ("case owner", "owners"),
    "default_group": ("case group", "groups"),
    "resolved_status": ("case status", "statuses"),
}
NOT_CHECKED = "Not checked: Creatio can be asked about it once the failed check above passes."


@dataclass(frozen=True)
class SettingsForm:
    """The form as typed; the secret is kept only for this request and never rendered back."""

    instance_url: str = ""
    identity_url: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    default_owner: str = ""
    default_group: str = ""
    resolved_status: str = ""
    create_case_only_on_handoff: bool = False
    platform: str = "auto"

    @classmethod
    def parse(cls, form: Mapping[str, object]) -> SettingsForm:
        def text(name: str) -> str:
            value = form.get(name)
            return value.strip() if isinstance(value, str) else ""

        return cls(
            **{name: text(name) for name in (*_TEXT_FIELDS, "client_secret")},
            create_case_only_on_handoff=text("create_case_only_on_handoff") in ("on", "true", "1"),
            platform=text("platform") or "auto",
        )

    @classmethod
    def from_saved(cls, saved: SavedConnection | None, lists: PickLists | None) -> SettingsForm:
        if saved is None:
            return cls()
        s = saved.settings
        return cls(
            instance_url=s.instance_url,
            identity_url=s.identity_url or "",
            client_id=s.client_id,
            default_owner=display_value(s.default_owner_id, lists.owners if lists else None),
            default_group=display_value(s.default_group_id, lists.groups if lists else None),
            resolved_status=display_value(s.resolved_status_id, lists.statuses if lists else None),
            create_case_only_on_handoff=s.create_case_only_on_handoff,
            platform=s.platform,
        )

    def without_secret(self) -> SettingsForm:
        return replace(self, client_secret="")

    def picks_need_names(self) -> bool:
        return any(_name_not_guid(getattr(self, name)) for name in PICK_FIELDS)


_TEXT_FIELDS = ("instance_url", "identity_url", "client_id", *PICK_FIELDS)


def display_value(value: UUID | None, items: list[PickItem] | None) -> str:
    """A saved GUID shown as its name when that name is unique in the list (it resolves back)."""
    if value is None:
        return ""
    if items:
        named = [i for i in items if i.id == value]
        if named and sum(i.name.casefold() == named[0].name.casefold() for i in items) == 1:
            return named[0].name
    return str(value)


def saved_picks(settings: ConnectionSettings) -> dict[str, UUID | None]:
    """The saved GUIDs of the pick fields, by form field."""
    return {name: getattr(settings, f"{name}_id") for name in PICK_FIELDS}


def resolve_picks(
    form: SettingsForm, lists: PickLists | None, lists_problem: str | None
) -> tuple[dict[str, UUID | None], dict[str, str]]:
    """GUIDs for the three pick fields, and an error per field that could not be resolved."""
    ids: dict[str, UUID | None] = {}
    errors: dict[str, str] = {}
    for name, (label, attribute) in PICK_FIELDS.items():
        items = getattr(lists, attribute) if lists else None
        ids[name], error = _resolve(getattr(form, name), items, label, lists_problem)
        if error:
            errors[name] = error
    return ids, errors


@dataclass(frozen=True)
class PickFeedback:
    """What Test & Save says about the pick fields: red errors, and neutral notes (`not checked`)."""

    report: ConnectionTestReport
    errors: dict[str, str]
    notes: dict[str, str]


def with_pick_errors(
    form: SettingsForm, report: ConnectionTestReport, pick_errors: Mapping[str, str]
) -> PickFeedback:
    """A name that did not resolve fails its own check (so the report is not `ok` and nothing is saved).
    When a check before the lookups failed (e.g. authentication), that failure is the one cause shown:
    the pick fields are marked `not checked`, not as errors of their own."""
    checks = {f"{name}_id" for name in PICK_FIELDS}
    if any(c.status == "failed" and c.name not in checks for c in report.checks):
        notes = {name: NOT_CHECKED for name in PICK_FIELDS if getattr(form, name)}
        return PickFeedback(report, {}, notes)
    failed = {
        f"{name}_id": ConnectionCheck(name=f"{name}_id", status="failed", message=message)
        for name, message in pick_errors.items()
    }
    merged = [failed.pop(c.name, c) for c in report.checks] + list(failed.values())
    updated = report.model_copy(update={"checks": merged, "ok": report.ok and not pick_errors})
    return PickFeedback(updated, dict(pick_errors), {})


def _resolve(
    value: str, items: list[PickItem] | None, label: str, problem: str | None
) -> tuple[UUID | None, str | None]:
    if not value:
        return None, None
    if not _name_not_guid(value):
        return UUID(value), None
    if items is None:
        reason = problem or "no connection to read them through"
        return None, f"{value!r} is not a GUID, and the {label} names could not be read: {reason}"
    matches = [item for item in items if item.name.casefold() == value.casefold()]
    if len(matches) == 1:
        return matches[0].id, None
    if not matches:
        return None, f"No {label} named {value!r} in Creatio: pick one from the list or paste its GUID."
    return None, f"Several {label}s are named {value!r}: paste the GUID of the one you mean."


def _name_not_guid(value: str) -> bool:
    if not value:
        return False
    try:
        UUID(value)
    except ValueError:
        return True
    return False


def to_input(form: SettingsForm, ids: Mapping[str, UUID | None]) -> ConnectionSettingsInput:
    """Raises pydantic's ValidationError for values the admin API would refuse too."""
    return ConnectionSettingsInput.model_validate(
        {
            "instance_url": form.instance_url,
            "identity_url": form.identity_url or None,
            "client_id": form.client_id,
            "client_secret": SecretStr(form.client_secret) if form.client_secret else None,
            "default_owner_id": ids.get("default_owner"),
            "default_group_id": ids.get("default_group"),
            "resolved_status_id": ids.get("resolved_status"),
            "create_case_only_on_handoff": form.create_case_only_on_handoff,
            "platform": form.platform,
        }
    )


FIELD_LABELS = {  # the form's labels, and what to type where a value is missing
    "instance_url": ("Instance URL", "your Creatio address, e.g. https://yourcompany.creatio.com"),
    "identity_url": ("Identity URL", "the identity service's address, or nothing for the default"),
    "client_id": ("Client ID", "the OAuth application's client id from Creatio"),
    "platform": ("Platform", "one of the listed platforms"),
}


def validation_messages(
    exc: ValidationError, labels: Mapping[str, tuple[str, str]] = FIELD_LABELS
) -> list[str]:
    """Pydantic's errors in the form's words: the field's label and what to type (`labels`: a settings
    form's field name -> its label and what to type)."""
    messages = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        label, wanted = labels.get(name, (name.replace("_", " ").capitalize() or "The form", "a value"))
        context = error.get("ctx") or {}
        match error["type"]:
            case "string_too_short" | "missing":
                messages.append(f"{label} is empty (or only spaces): enter {wanted}.")
            case "string_too_long":
                messages.append(f"{label} is too long: at most {context.get('max_length')} characters.")
            case "literal_error":
                messages.append(f"{label}: choose {wanted}.")
            case "value_error":
                messages.append(f"{label}: {context.get('error', error['msg'])}")
            case _:
                messages.append(f"{label}: {error['msg']}.")
    return messages


def datalist_options(items: list[PickItem] | None) -> list[tuple[str, str]]:
    """(value, label) per item: the name when it is unique (it resolves back), else the GUID."""
    if not items:
        return []
    counts: dict[str, int] = {}
    for item in items:
        counts[item.name.casefold()] = counts.get(item.name.casefold(), 0) + 1
    options = []
    for item in items:
        unique = counts[item.name.casefold()] == 1
        label = " · ".join(
            part for part in (item.name if not unique else "", item.detail, str(item.id)) if part
        )
        options.append((item.name if unique else str(item.id), label))
    return options
