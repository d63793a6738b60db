"""`$select`, `$orderby`, `$top`, `$skip`, `$count`, `$expand`, and the 20,000-row rule."""

from __future__ import annotations

from uuid import UUID

import pytest

from app.domain.creatio_ids import CasePriorityIds, CaseStatusIds
from tests.support.sandbox import BASE, MakeSandbox, Sandbox, error_message


async def _names(sb: Sandbox, query: str) -> list[str]:
    response = await sb.get(f"/0/odata/CasePriority?{query}")
    assert response.status_code == 200, response.text
    return [row["Name"] for row in response.json()["value"]]


async def test_select_limits_properties_and_the_context(sb: Sandbox) -> None:
    response = await sb.get("/0/odata/CaseStatus?$select=Name,IsFinal&$top=1")

    body = response.json()
    assert body["@odata.context"] == f"{BASE}/0/odata/$metadata#CaseStatus(Name,IsFinal)"
    assert list(body["value"][0]) == ["Name", "IsFinal"]


@pytest.mark.parametrize(
    ("select", "fragment"),
    [
        ("Name,Nope", "The property 'Nope' does not exist"),
        ("Status", "does not exist"),
        ("", "does not exist"),
    ],
)
async def test_unknown_select_is_400(sb: Sandbox, select: str, fragment: str) -> None:
    response = await sb.get(f"/0/odata/CaseStatus?$select={select}")

    assert response.status_code == 400
    assert fragment in error_message(response.json())


async def test_select_of_a_navigation_property_points_to_expand(sb: Sandbox) -> None:
    response = await sb.get("/0/odata/Case?$select=Status")

    assert response.status_code == 400
    assert "$expand" in error_message(response.json())


async def test_orderby_asc_desc_and_several_keys(sb: Sandbox) -> None:
    assert await _names(sb, "$orderby=Priority") == ["Critical", "High", "Medium", "Low"]
    assert await _names(sb, "$orderby=Priority desc") == ["Low", "Medium", "High", "Critical"]
    assert await _names(sb, "$orderby=Name asc") == ["Critical", "High", "Low", "Medium"]
    statuses = await sb.get("/0/odata/CaseStatus?$orderby=IsFinal desc,Name asc&$select=Name")
    assert [r["Name"] for r in statuses.json()["value"]] == [
        "Canceled", "Closed", "In progress", "New", "Reopened", "Resolved", "Waiting for response",
    ]  # fmt: skip


async def test_orderby_navigation_path_and_nulls_first(sb: Sandbox) -> None:
    sb.store.insert_rows(
        "Case",
        [
            {"Number": "1", "StatusId": CaseStatusIds.RESOLVED},
            {"Number": "2"},
            {"Number": "3", "StatusId": CaseStatusIds.CLOSED},
        ],
    )

    response = await sb.get("/0/odata/Case?$orderby=Status/Name&$select=Number")

    assert [r["Number"] for r in response.json()["value"]] == ["2", "3", "1"]


async def test_orderby_errors(sb: Sandbox) -> None:
    unknown = await sb.get("/0/odata/Case?$orderby=Nope")
    bad = await sb.get("/0/odata/Case?$orderby=Number sideways")

    assert (unknown.status_code, bad.status_code) == (400, 400)


async def test_orderby_on_a_scalar_foreign_key_is_allowed(sb: Sandbox) -> None:
    assert (await sb.get("/0/odata/Case?$orderby=StatusId")).status_code == 200


async def test_top_and_skip_page_through_a_stable_order(sb: Sandbox) -> None:
    pages = [await _names(sb, f"$orderby=Priority&$top=2&$skip={skip}") for skip in (0, 2, 4)]

    assert pages == [["Critical", "High"], ["Medium", "Low"], []]


async def test_count_true_reports_the_filtered_total_before_paging(sb: Sandbox) -> None:
    response = await sb.get("/0/odata/CaseStatus?$count=true&$filter=IsFinal eq false&$top=2")
    count_only = await sb.get("/0/odata/CaseStatus?$count=true&$top=0")

    assert response.json()["@odata.count"] == 5
    assert len(response.json()["value"]) == 2
    assert list(response.json()) == ["@odata.context", "@odata.count", "value"]
    assert count_only.json()["@odata.count"] == 7
    assert count_only.json()["value"] == []
    assert "@odata.count" not in (await sb.get("/0/odata/CaseStatus")).json()


@pytest.mark.parametrize(
    "query",
    [
        "$top=-1",
        "$top=abc",
        "$skip=x",
        "$count=yes",
        "$search=foo",
        "$top=1&$top=2",
        "$apply=groupby((Name))",
    ],
)
async def test_invalid_or_unsupported_options_are_400(sb: Sandbox, query: str) -> None:
    response = await sb.get(f"/0/odata/CaseStatus?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["innererror"]["message"] == "The query specified in the URI is not valid."


async def test_non_system_parameters_and_format_are_ignored(sb: Sandbox) -> None:
    assert (await sb.get("/0/odata/CaseStatus?foo=bar&$format=json")).status_code == 200


async def test_expand_with_nested_select(sb: Sandbox) -> None:
    sb.store.insert_rows("Case", [{"Number": "1", "StatusId": CaseStatusIds.NEW}])

    response = await sb.get("/0/odata/Case?$select=Number&$expand=Status($select=Name,IsFinal),Owner")

    row = response.json()["value"][0]
    assert row == {"Number": "1", "Status": {"Name": "New", "IsFinal": False}, "Owner": None}


async def test_expand_unknown_navigation_is_400(sb: Sandbox) -> None:
    assert (await sb.get("/0/odata/Case?$expand=Nope")).status_code == 400


async def test_get_without_top_on_more_than_20000_rows_is_500(sb: Sandbox) -> None:
    sb.store.insert_rows(
        "Case", ({"Number": f"SR{i:08d}", "PriorityId": CasePriorityIds.LOW} for i in range(20_001))
    )

    unpaged = await sb.get("/0/odata/Case?$select=Id")
    paged = await sb.get("/0/odata/Case?$select=Id&$top=500&$skip=19900")
    filtered = await sb.get("/0/odata/Case?$select=Number&$filter=Number eq 'SR00000007'")
    counted = await sb.get("/0/odata/Case/$count")

    assert unpaged.status_code == 500
    assert "20000" in error_message(unpaged.json())
    assert paged.status_code == 200
    assert len(paged.json()["value"]) == 101
    assert filtered.json()["value"] == [{"Number": "SR00000007"}]
    assert counted.text == "20001"


async def test_the_row_limit_allows_exactly_the_maximum_and_is_configurable(
    make_sandbox: MakeSandbox,
) -> None:
    sb = await make_sandbox(max_entity_row_count=3)
    sb.store.insert_rows("Case", [{"Number": str(i)} for i in range(3)])

    assert (await sb.get("/0/odata/Case")).status_code == 200
    sb.store.insert_rows("Case", [{"Id": UUID(int=99)}])
    assert (await sb.get("/0/odata/Case")).status_code == 500
