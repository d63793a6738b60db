"""OData writes: POST/PATCH/DELETE status codes, bodies, defaults, Location, DB-style errors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.creatio_ids import (
    ZERO_GUID,
    ActivityCategoryIds,
    ActivityPriorityIds,
    ActivityStatusIds,
    ActivityTypeIds,
    CaseOriginIds,
    CasePriorityIds,
    CaseStatusIds,
)
from app.sandbox.ids import SandboxIds
from tests.support.sandbox import ODATA, MakeSandbox, Sandbox, error_message

MIN_DATE = "0001-01-01T00:00:00Z"


async def test_post_case_returns_201_location_and_the_full_entity_with_defaults(sb: Sandbox) -> None:
    before = datetime.now(UTC)
    response = await sb.post("/0/odata/Case", json={"Subject": "Printer on fire"})

    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"{ODATA}/Case({body['Id']})"
    assert body["@odata.context"] == f"{ODATA}/$metadata#Case/$entity"
    assert body["Number"] == "SR00000001"
    assert body["StatusId"] == str(CaseStatusIds.NEW)
    assert body["PriorityId"] == str(CasePriorityIds.MEDIUM)
    assert body["OriginId"] == str(CaseOriginIds.CALL)
    assert body["CreatedById"] == body["ModifiedById"] == str(SandboxIds.TECH_CONTACT)
    assert body["GroupId"] == body["OwnerId"] == body["ContactId"] == str(ZERO_GUID)
    assert (body["Symptoms"], body["Solution"]) == ("", "")
    assert (body["ClosureDate"], body["RespondedOn"]) == (MIN_DATE, MIN_DATE)
    assert body["ProcessListeners"] == 0
    registered = datetime.fromisoformat(body["RegisteredOn"])
    assert body["RegisteredOn"].endswith("Z")
    assert before <= registered <= datetime.now(UTC)
    assert body["CreatedOn"].endswith("Z")
    second = await sb.create_case()
    assert second["Number"] == "SR00000002"


async def test_post_honours_the_client_id_and_duplicate_is_a_500_db_error(sb: Sandbox) -> None:
    case_id = str(uuid.uuid4())
    first = await sb.post("/0/odata/Case", json={"Id": case_id, "Subject": "a"})
    assert first.status_code == 201
    assert first.json()["Id"] == case_id

    duplicate = await sb.post("/0/odata/Case", json={"Id": case_id, "Subject": "b"})

    assert duplicate.status_code == 500
    message = error_message(duplicate.json())
    assert "Violation of PRIMARY KEY constraint" in message
    assert "duplicate key" in message
    assert case_id in message
    assert len(sb.store.rows("Case")) == 1


async def test_activity_defaults(sb: Sandbox) -> None:
    case = await sb.create_case()
    response = await sb.post("/0/odata/Activity", json={"Title": "Customer wrote", "CaseId": case["Id"]})

    assert response.status_code == 201
    body = response.json()
    assert body["TypeId"] == str(ActivityTypeIds.TASK)
    assert body["ActivityCategoryId"] == str(ActivityCategoryIds.TODO)
    assert body["StatusId"] == str(ActivityStatusIds.NOT_STARTED)
    assert body["PriorityId"] == str(ActivityPriorityIds.MEDIUM)
    assert body["OwnerId"] == body["AuthorId"] == str(SandboxIds.TECH_CONTACT)
    assert body["StartDate"] == body["DueDate"] != MIN_DATE
    assert body["CaseId"] == case["Id"]


async def test_explicit_values_win_over_defaults(sb: Sandbox) -> None:
    body = {"Subject": "x", "OriginId": str(CaseOriginIds.CHAT), "Number": "SR-CUSTOM", "PriorityId": None}

    created = (await sb.post("/0/odata/Case", json=body)).json()

    assert (created["OriginId"], created["Number"], created["PriorityId"]) == (
        str(CaseOriginIds.CHAT),
        "SR-CUSTOM",
        str(ZERO_GUID),
    )


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"Subjekt": "typo"}, "The property 'Subjekt' does not exist on type 'Terrasoft.Configuration.Case'"),
        ({"StatusId": "not-a-guid"}, "Edm.Guid"),
        ({"RegisteredOn": "yesterday"}, "Edm.DateTimeOffset"),
        ({"Subject": 12}, "Edm.String"),
        ({"Status@odata.bind": f"CaseStatus({CaseStatusIds.NEW})"}, "@odata.bind"),
    ],
)
async def test_invalid_bodies_are_400_with_the_error_shape(
    sb: Sandbox, body: dict[str, object], fragment: str
) -> None:
    response = await sb.post("/0/odata/Case", json=body)

    assert response.status_code == 400
    assert fragment in error_message(response.json())


async def test_malformed_json_and_array_bodies_are_400(sb: Sandbox) -> None:
    broken = await sb.post("/0/odata/Case", content=b"{nope", headers={"Content-Type": "application/json"})
    array = await sb.post("/0/odata/Case", json=[1, 2])

    assert (broken.status_code, array.status_code) == (400, 400)
    assert "not valid JSON" in error_message(broken.json())


async def test_unknown_lookup_value_is_a_foreign_key_500(sb: Sandbox) -> None:
    response = await sb.post("/0/odata/Case", json={"StatusId": str(uuid.uuid4())})

    assert response.status_code == 500
    assert "FOREIGN KEY constraint" in error_message(response.json())
    assert sb.store.rows("Case") == []


async def test_patch_is_204_and_changes_the_row(sb: Sandbox) -> None:
    case = await sb.create_case()
    later = datetime.now(UTC) + timedelta(minutes=5)  # within the token's lifetime
    sb.store.clock = lambda: later

    response = await sb.patch(f"/0/odata/Case({case['Id']})", json={"Subject": "Printer fixed", "Notes": "n"})

    assert response.status_code == 204
    assert response.content == b""
    row = sb.store.get("Case", case["Id"])
    assert row is not None
    assert (row["Subject"], row["Notes"]) == ("Printer fixed", "n")
    assert row["ModifiedOn"] == later
    assert row["CreatedOn"] != row["ModifiedOn"]


async def test_patch_errors(sb: Sandbox) -> None:
    case = await sb.create_case()

    missing = await sb.patch(f"/0/odata/Case({uuid.uuid4()})", json={"Subject": "x"})
    unknown = await sb.patch(f"/0/odata/Case({case['Id']})", json={"Nope": 1})
    new_id = await sb.patch(f"/0/odata/Case({case['Id']})", json={"Id": str(uuid.uuid4())})

    assert (missing.status_code, unknown.status_code, new_id.status_code) == (404, 400, 400)


async def test_delete_is_204_then_404(sb: Sandbox) -> None:
    case = await sb.create_case()

    first = await sb.delete(f"/0/odata/Case({case['Id']})")
    second = await sb.delete(f"/0/odata/Case({case['Id']})")

    assert (first.status_code, second.status_code) == (204, 404)
    assert sb.store.rows("Case") == []


async def test_deleting_a_referenced_row_is_a_500(sb: Sandbox) -> None:
    case = await sb.create_case()
    await sb.post("/0/odata/Activity", json={"CaseId": case["Id"]})

    response = await sb.delete(f"/0/odata/Case({case['Id']})")

    assert response.status_code == 500
    assert "REFERENCE constraint" in error_message(response.json())
    assert sb.store.get("Case", case["Id"]) is not None


async def test_public_base_url_is_used_in_location_and_context(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(public_base_url="https://acme.creatio.com")

    response = await sb.post("/0/odata/Case", json={"Subject": "x"})

    assert response.headers["location"].startswith("https://acme.creatio.com/0/odata/Case(")
    assert response.json()["@odata.context"] == "https://acme.creatio.com/0/odata/$metadata#Case/$entity"


async def test_prefer_return_minimal_gives_204_with_location(sb: Sandbox) -> None:
    response = await sb.post("/0/odata/Case", json={"Subject": "x"}, headers={"Prefer": "return=minimal"})

    assert response.status_code == 204
    assert response.headers["location"].startswith(f"{ODATA}/Case(")


async def test_unsupported_methods_are_405(sb: Sandbox) -> None:
    case = await sb.create_case()

    put = await sb.client.put(f"/0/odata/Case({case['Id']})", json={}, headers=sb.auth)
    delete_all = await sb.delete("/0/odata/Case")

    assert (put.status_code, delete_all.status_code) == (405, 405)
    assert "error" in put.json()
