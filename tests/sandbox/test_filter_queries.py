"""`$filter` over HTTP: semantics, navigation paths, and Creatio's quirks in strict and lenient mode."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote
from uuid import UUID

import pytest

from app.domain.creatio_ids import CaseOriginIds, CaseStatusIds
from app.sandbox.ids import SandboxIds
from tests.support.sandbox import MakeSandbox, Sandbox, error_message

A = UUID("00000000-0000-4000-8000-00000000000a")
B = UUID("00000000-0000-4000-8000-00000000000b")
C = UUID("00000000-0000-4000-8000-00000000000c")


def _seed(sb: Sandbox) -> None:
    sb.store.insert_rows(
        "Case",
        [
            {"Id": A, "Number": "SR1", "Subject": "O'Hara can't log in", "StatusId": CaseStatusIds.NEW,
             "RegisteredOn": datetime(2024, 1, 10, tzinfo=UTC), "OwnerId": SandboxIds.AGENT_1_CONTACT,
             "SolutionRemains": 1.5, "OriginId": CaseOriginIds.CHAT},
            {"Id": B, "Number": "SR2", "Subject": "Invoice wrong", "StatusId": CaseStatusIds.RESOLVED,
             "RegisteredOn": datetime(2024, 2, 10, tzinfo=UTC), "SolutionRemains": 3.0},
            {"Id": C, "Number": "SR3", "Subject": "Printer", "StatusId": CaseStatusIds.CLOSED,
             "RegisteredOn": datetime(2024, 3, 10, tzinfo=UTC), "ResponseOverdue": True},
        ],
    )  # fmt: skip


async def _ids(sb: Sandbox, expr: str) -> set[str] | int:
    response = await sb.get(f"/0/odata/Case?$select=Id&$filter={quote(expr)}")
    if response.status_code != 200:
        return response.status_code
    return {row["Id"][-1] for row in response.json()["value"]}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (f"Id eq {A}", {"a"}),
        (f"Id ne {A}", {"b", "c"}),
        ("Number eq 'SR2'", {"b"}),
        ("Subject eq 'O''Hara can''t log in'", {"a"}),
        ("contains(Subject,'''')", {"a"}),
        ("startswith(Subject,'Inv')", {"b"}),
        ("endswith(Subject,'ter')", {"c"}),
        ("not contains(Subject,'o')", {"c"}),
        ("tolower(Subject) eq 'printer'", {"c"}),
        ("length(Number) eq 3", {"a", "b", "c"}),
        ("RegisteredOn gt 2024-01-31T00:00:00Z", {"b", "c"}),
        ("RegisteredOn ge 2024-02-10T00:00:00Z and RegisteredOn lt 2024-03-01T00:00:00Z", {"b"}),
        ("RegisteredOn le 2024-01-10", {"a"}),
        ("SolutionRemains gt 1", {"a", "b"}),
        ("SolutionRemains eq 3", {"b"}),
        ("ResponseOverdue eq true", {"c"}),
        ("ResponseOverdue", {"c"}),
        ("not ResponseOverdue", {"a", "b"}),
        (f"Status/Id eq {CaseStatusIds.RESOLVED}", {"b"}),
        ("Status/Name eq 'Closed'", {"c"}),
        ("Status/IsFinal eq true or Status/IsResolved eq true", {"b", "c"}),
        ("Status/IsFinal eq false and (Number eq 'SR1' or Number eq 'SR3')", {"a"}),
        ("Owner/Name eq 'Maria Lopez'", {"a"}),
        ("Owner/Id eq null", {"b", "c"}),
        ("Owner/Id ne null", {"a"}),
        ("Owner/Name eq null", {"b", "c"}),
        ("Origin/Name eq 'Chat'", {"a"}),
        ("ClosureDate eq null", {"a", "b", "c"}),
        ("Subject eq null", set()),
        ("Subject eq ''", set()),
        ("Number gt 'SR1'", {"b", "c"}),
    ],
)
async def test_filter_semantics(sb: Sandbox, expr: str, expected: set[str]) -> None:
    _seed(sb)

    assert await _ids(sb, expr) == expected


async def test_activity_by_case_navigation(sb: Sandbox) -> None:
    case = await sb.create_case()
    other = await sb.create_case()
    for target in (case, case, other):
        await sb.post("/0/odata/Activity", json={"CaseId": target["Id"], "Title": "t"})

    response = await sb.get(f"/0/odata/Activity?$filter=Case/Id eq {case['Id']}")
    by_number = await sb.get(f"/0/odata/Activity?$filter=Case/Number eq '{other['Number']}'")

    assert response.status_code == 200
    assert len(response.json()["value"]) == 2
    assert all(a["CaseId"] == case["Id"] for a in response.json()["value"])
    assert len(by_number.json()["value"]) == 1


async def test_quoted_guid_against_a_guid_column_is_400(sb: Sandbox) -> None:
    response = await sb.get(f"/0/odata/Case?$filter=Id eq '{A}'")

    assert response.status_code == 400
    assert "incompatible types Edm.Guid and Edm.String" in error_message(response.json())


async def test_quoted_date_is_400_incompatible_types(sb: Sandbox) -> None:
    response = await sb.get("/0/odata/Case?$filter=CreatedOn gt '2024-01-01T00:00:00Z'")

    assert response.status_code == 400
    body = response.json()
    assert "incompatible types Edm.DateTimeOffset and Edm.String" in error_message(body)
    assert body["error"]["innererror"]["message"] == "The query specified in the URI is not valid."


@pytest.mark.parametrize("literal", ["2024-01-31T09:30:00", "2024-01-31T09:30"])
async def test_a_datetime_literal_without_a_time_zone_is_400(sb: Sandbox, literal: str) -> None:
    response = await sb.get(f"/0/odata/Case?$filter={quote(f'CreatedOn gt {literal}')}")

    assert response.status_code == 400
    assert error_message(response.json()) == (
        f"The DateTimeOffset text '{literal}' should be in format 'yyyy-mm-ddThh:mm:ss('.'s+)?(zzzzzz)?' and "
        "each field value is within valid range."
    )
    with_zone = await sb.get(f"/0/odata/Case?$filter={quote(f'CreatedOn gt {literal}Z')}")
    assert with_zone.status_code == 200


@pytest.mark.parametrize(
    "expr", [f"StatusId eq {CaseStatusIds.NEW}", "OwnerId eq null", f"Case/StatusId eq {A}"]
)
async def test_scalar_foreign_key_in_filter_is_500_in_strict_mode(sb: Sandbox, expr: str) -> None:
    entity = "Activity" if expr.startswith("Case/") else "Case"

    response = await sb.get(f"/0/odata/{entity}?$filter={quote(expr)}")

    assert response.status_code == 500
    assert "not found in schema" in error_message(response.json())


async def test_lenient_mode_accepts_quoted_guids_dates_and_scalar_keys(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(strict_quirks=False)
    _seed(sb)

    assert await _ids(sb, f"Id eq '{A}'") == {"a"}
    assert await _ids(sb, "RegisteredOn gt '2024-02-01T00:00:00Z'") == {"b", "c"}
    assert await _ids(sb, f"StatusId eq {CaseStatusIds.RESOLVED}") == {"b"}
    assert await _ids(sb, "Id eq 'not-a-guid'") == 400


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        ("Nope eq 1", "The property 'Nope' does not exist on type 'Terrasoft.Configuration.Case'"),
        ("Status/Nope eq 1", "on type 'Terrasoft.Configuration.CaseStatus'"),
        ("Nope/Id eq 1", "The property 'Nope' does not exist"),
        ("Subject eq 1", "incompatible types Edm.String and Edm.Int32"),
        ("RegisteredOn eq true", "incompatible types Edm.DateTimeOffset and Edm.Boolean"),
        (
            "Subject and ResponseOverdue",
            "incompatible types Edm.String and Edm.Boolean for operator kind 'And'",
        ),
        ("Subject", "must evaluate to a single boolean value"),
        ("not Subject", "'Not'"),
        ("substringof('a',Subject)", "unknown function with name 'substringof'"),
        ("contains(SolutionRemains,'1')", "No function signature for the function with name 'contains'"),
        ("contains(Subject)", "No function signature"),
        ("Subject eq 'a' and", "Expression expected"),
        ("Id eq guid'00000000-0000-4000-8000-00000000000a'", "Syntax error"),
    ],
)
async def test_invalid_filters_are_400_with_creatio_error_body(sb: Sandbox, expr: str, fragment: str) -> None:
    response = await sb.get(f"/0/odata/Case?$filter={quote(expr)}")

    assert response.status_code == 400
    assert fragment in error_message(response.json())
