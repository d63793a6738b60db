"""OData reads: collections, both key forms, $count/property/$value, service documents, seed, unknown sets."""

from __future__ import annotations

import uuid

import pytest

from app.domain.creatio_ids import ActivityCategoryIds, ActivityTypeIds, CaseStatusIds
from app.sandbox.ids import SandboxIds
from tests.support.sandbox import BASE, ODATA, MakeSandbox, Sandbox


async def test_list_has_context_and_value(sb: Sandbox) -> None:
    response = await sb.get("/0/odata/CaseStatus")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; odata.metadata=minimal"
    assert response.headers["odata-version"] == "4.0"
    body = response.json()
    assert body["@odata.context"] == f"{ODATA}/$metadata#CaseStatus"
    names = {row["Name"]: row for row in body["value"]}
    assert set(names) == {
        "New",
        "In progress",
        "Waiting for response",
        "Reopened",
        "Resolved",
        "Closed",
        "Canceled",
    }
    assert names["Resolved"]["Id"] == str(CaseStatusIds.RESOLVED)
    assert (names["Resolved"]["IsResolved"], names["Resolved"]["IsFinal"]) == (True, False)
    assert (names["Closed"]["IsFinal"], names["Waiting for response"]["IsPaused"]) == (True, True)
    assert names["New"]["ProcessListeners"] == 0


async def test_get_by_key_in_both_forms_and_404_for_a_missing_key(sb: Sandbox) -> None:
    case = await sb.create_case()

    paren = await sb.get(f"/0/odata/Case({case['Id']})")
    slash = await sb.get(f"/0/odata/Case/{case['Id']}")
    missing = await sb.get(f"/0/odata/Case({uuid.uuid4()})")

    assert paren.status_code == slash.status_code == 200
    assert paren.json()["@odata.context"] == f"{ODATA}/$metadata#Case/$entity"
    assert paren.json()["Subject"] == slash.json()["Subject"] == "Printer on fire"
    assert "value" not in paren.json()
    assert missing.status_code == 404
    assert "error" in missing.json()


@pytest.mark.parametrize("key", [f"'{CaseStatusIds.NEW}'", f"guid'{CaseStatusIds.NEW}'", "42"])
async def test_quoted_or_malformed_keys_are_400(sb: Sandbox, key: str) -> None:
    response = await sb.get(f"/0/odata/CaseStatus({key})")

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("platform", "root", "status"), [("netframework", "/0/odata", 401), ("netcore", "/odata", 404)]
)
async def test_an_unknown_entity_set_gets_the_platforms_bare_answer(
    make_sandbox: MakeSandbox, platform: str, root: str, status: int
) -> None:
    sb = await make_sandbox(platform=platform)

    response = await sb.get(f"{root}/InvalidCollection")
    batch = await sb.post(f"{root}/$batch", json={"requests": [{"id": "1", "method": "GET", "url": "Nope"}]})

    assert (response.status_code, response.content) == (status, b"")
    assert batch.json()["responses"][0]["status"] == status
    assert (await sb.get(f"{root}/Case")).status_code == 200


async def test_the_answer_to_an_unknown_entity_set_can_be_chosen(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(unknown_entity_set_status=404)

    response = await sb.get("/0/odata/InvalidCollection")

    assert (response.status_code, response.content) == (404, b"")


async def test_netframework_serves_odata_under_0_and_sends_the_root_to_the_login_page(sb: Sandbox) -> None:
    listed = await sb.get("/0/odata/CaseStatus?$top=1")
    other = await sb.get("/odata/CaseStatus?$top=1")

    assert listed.status_code == 200
    assert other.status_code == 302
    assert other.headers["location"] == "/Login/NuiLogin.aspx?ReturnUrl=%2Fodata%2FCaseStatus"
    assert other.content == b""


async def test_netcore_serves_odata_at_the_root_only(make_sandbox: MakeSandbox) -> None:
    core = await make_sandbox(platform="netcore")

    listed = await core.get("/odata/CaseStatus?$top=1")
    created = await core.post("/odata/Case", json={"Subject": "x"})
    batch = await core.post("/odata/$batch", json={"requests": [{"id": "1", "method": "GET", "url": "Case"}]})
    other = await core.get("/0/odata/CaseStatus?$top=1")

    assert listed.status_code == 200
    assert listed.json()["@odata.context"] == f"{BASE}/odata/$metadata#CaseStatus"
    assert created.headers["location"].startswith(f"{BASE}/odata/Case(")
    assert batch.status_code == 200
    assert (other.status_code, other.content) == (404, b"")


async def test_count_segment_property_and_value(sb: Sandbox) -> None:
    case = await sb.create_case(Subject="It's broken")

    count = await sb.get("/0/odata/CaseStatus/$count")
    filtered = await sb.get("/0/odata/CaseStatus/$count?$filter=IsFinal eq true")
    prop = await sb.get(f"/0/odata/Case({case['Id']})/Subject")
    raw = await sb.get(f"/0/odata/Case({case['Id']})/Subject/$value")
    bad = await sb.get(f"/0/odata/Case({case['Id']})/Nope")

    assert (count.text, filtered.text) == ("7", "2")
    assert count.headers["content-type"].startswith("text/plain")
    assert prop.json() == {
        "@odata.context": f"{ODATA}/$metadata#Case({case['Id']})/Subject",
        "value": "It's broken",
    }
    assert raw.text == "It's broken"
    assert bad.status_code == 404


async def test_service_document_and_metadata(sb: Sandbox) -> None:
    service = await sb.get("/0/odata/")
    metadata = await sb.get("/0/odata/$metadata")

    names = {item["name"] for item in service.json()["value"]}
    assert {
        "Case",
        "Activity",
        "Contact",
        "Account",
        "SysAdminUnit",
        "CaseStatus",
        "ActivityCategory",
    } <= names
    assert metadata.headers["content-type"].startswith("application/xml")
    assert '<EntityType Name="Case">' in metadata.text
    assert '<NavigationProperty Name="Status" Type="Terrasoft.Configuration.CaseStatus"/>' in metadata.text


async def test_seeded_people_and_groups(sb: Sandbox) -> None:
    users = (
        await sb.get("/0/odata/SysAdminUnit?$filter=SysAdminUnitTypeValue eq 4&$select=Id,Name,ContactId")
    ).json()
    groups = (
        await sb.get("/0/odata/SysAdminUnit?$filter=ParentRole/Name eq 'All employees'&$select=Name")
    ).json()
    category = await sb.get(f"/0/odata/ActivityCategory({ActivityCategoryIds.EMAIL})?$select=ActivityTypeId")

    by_name = {u["Name"]: u for u in users["value"]}
    assert by_name["Casebridge Integration"]["ContactId"] == str(SandboxIds.TECH_CONTACT)
    assert by_name["Casebridge Integration"]["Id"] == str(SandboxIds.TECH_USER)
    assert {"Maria Lopez", "Tom Becker", "Yuki Tanaka"} <= set(by_name)
    assert by_name["Maria Lopez"]["ContactId"] == str(SandboxIds.AGENT_1_CONTACT)
    assert sorted(g["Name"] for g in groups["value"]) == [
        "1st-line support",
        "2nd-line support",
        "3rd-line support",
    ]
    assert category.json()["ActivityTypeId"] == str(ActivityTypeIds.EMAIL)
