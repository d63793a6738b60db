"""OData writes: POST/PATCH/DELETE status codes, bodies, defaults, Location, DB-style errors."""

from __future__ import annotations

import re
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


IEEE754 = {"Content-Type": "application/json; charset=utf-8; IEEE754Compatible=true"}
CONFLICT = (
    "Cannot convert a value to target type 'Edm.Decimal' because of conflict between input format "
    "string/number and parameter 'IEEE754Compatible' false/true."
)


@pytest.mark.parametrize(
    ("headers", "value", "stored"),
    [
        (IEEE754, '"12.50"', 12.5),
        (IEEE754, '"1,250.5"', 1250.5),
        ({"Content-Type": "application/json"}, "12.5", 12.5),
    ],
)
async def test_a_decimal_is_a_string_with_ieee754_compatible_and_a_number_without(
    sb: Sandbox, headers: dict[str, str], value: str, stored: float
) -> None:
    response = await sb.post("/0/odata/Case", content=f'{{"UsrRefundAmount":{value}}}', headers=headers)

    assert response.status_code == 201, response.text
    assert sb.store.rows("Case")[0]["UsrRefundAmount"] == stored


@pytest.mark.parametrize(
    ("headers", "value", "message"),
    [
        (IEEE754, "12.5", CONFLICT),
        ({"Content-Type": "application/json"}, '"12.5"', CONFLICT),
        (IEEE754, '"1e3"', "Cannot convert the literal '1e3' to the expected type 'Edm.Decimal'."),
        (IEEE754, '"NaN"', "Cannot convert the literal 'NaN' to the expected type 'Edm.Decimal'."),
    ],
)
async def test_a_decimal_in_the_other_form_is_odatalibs_400(
    sb: Sandbox, headers: dict[str, str], value: str, message: str
) -> None:
    case = await sb.create_case()

    posted = await sb.post("/0/odata/Case", content=f'{{"UsrRefundAmount":{value}}}', headers=headers)
    patched = await sb.patch(
        f"/0/odata/Case({case['Id']})", content=f'{{"UsrRefundAmount":{value}}}', headers=headers
    )

    assert (posted.status_code, patched.status_code) == (400, 400)
    assert error_message(posted.json()) == error_message(patched.json()) == message
    assert len(sb.store.rows("Case")) == 1


async def test_a_batch_sub_request_is_read_with_its_own_content_type(sb: Sandbox) -> None:
    def create(id: str, amount: object, headers: dict[str, str]) -> dict[str, object]:
        body = {"Subject": id, "UsrRefundAmount": amount}
        return {"id": id, "method": "POST", "url": "Case", "headers": headers, "body": body}

    response = await sb.post(
        "/0/odata/$batch",
        json={"requests": [create("a", "3.25", IEEE754), create("b", 3.25, IEEE754), create("c", 3.25, {})]},
        headers={"Prefer": "continue-on-error"},
    )

    assert [r["status"] for r in response.json()["responses"]] == [201, 400, 201]
    assert sorted(c["Subject"] for c in sb.store.rows("Case")) == ["a", "c"]


async def test_an_integer_column_takes_a_number_or_an_integer_string(sb: Sandbox) -> None:
    number = await sb.post("/0/odata/CasePriority", json={"Name": "P1", "Priority": 3})
    text = await sb.post("/0/odata/CasePriority", content='{"Name":"P2","Priority":"4"}', headers=IEEE754)
    fraction = await sb.post(
        "/0/odata/CasePriority", content='{"Name":"P3","Priority":"4.5"}', headers=IEEE754
    )

    assert (number.status_code, text.status_code, fraction.status_code) == (201, 201, 400)
    assert (
        error_message(fraction.json()) == "Cannot convert the literal '4.5' to the expected type 'Edm.Int32'."
    )


@pytest.mark.parametrize("value", ["2025-03-14T09:26:53Z", "2025-03-14T09:26:53+02:00", "2025-03-14T09:26Z"])
async def test_a_datetimeoffset_with_a_time_zone_is_taken(sb: Sandbox, value: str) -> None:
    response = await sb.post("/0/odata/Case", json={"RegisteredOn": value})

    assert response.status_code == 201, response.text


@pytest.mark.parametrize("value", ["2025-03-14T09:26:53", "2025-03-14T09:26:53.123", "2025-03-14T09:26"])
async def test_a_datetimeoffset_without_a_time_zone_is_odatalibs_400(sb: Sandbox, value: str) -> None:
    response = await sb.post("/0/odata/Case", json={"RegisteredOn": value})

    assert response.status_code == 400
    inner = response.json()["error"]["innererror"]
    assert (
        inner["message"] == f"Cannot convert the literal '{value}' to the expected type 'Edm.DateTimeOffset'."
    )
    assert error_message(response.json()) == (
        f"The time zone information is missing on the DateTimeOffset value '{value}'. "
        "A DateTimeOffset value must contain the time zone information."
    )
    assert sb.store.rows("Case") == []


MSSQL_INSERT = (
    'The INSERT statement conflicted with the FOREIGN KEY constraint "{fk}". The conflict occurred in '
    'database "creatio", table "dbo.Contact", column \'Id\'.\r\nThe statement has been terminated.'
)
MSSQL_DELETE = (
    'The DELETE statement conflicted with the REFERENCE constraint "{fk}". The conflict occurred in '
    'database "creatio", table "dbo.Activity", column \'CaseId\'.\r\nThe statement has been terminated.'
)
PG_INSERT = '23503: insert or update on table "Case" violates foreign key constraint "{fk}"'
PG_DELETE = (
    '23503: update or delete on table "Case" violates foreign key constraint "{fk}" on table "Activity"'
)
CONSTRAINT = re.compile(r'constraint "(FK[A-Za-z0-9]{26})"')


@pytest.mark.parametrize(
    ("database", "insert", "delete"),
    [("mssql", MSSQL_INSERT, MSSQL_DELETE), ("postgresql", PG_INSERT, PG_DELETE)],
)
async def test_constraint_violations_carry_the_databases_message_with_hashed_names(
    make_sandbox: MakeSandbox, database: str, insert: str, delete: str
) -> None:
    sb = await make_sandbox(database=database)
    case = await sb.create_case()
    await sb.post("/0/odata/Activity", json={"CaseId": case["Id"]})

    owner = await sb.post("/0/odata/Case", json={"OwnerId": str(uuid.uuid4())})
    deleted = await sb.delete(f"/0/odata/Case({case['Id']})")

    assert (owner.status_code, deleted.status_code) == (500, 500)
    owner_fk, activity_fk = error_message(owner.json()), error_message(deleted.json())
    owner_name = CONSTRAINT.search(owner_fk)
    activity_name = CONSTRAINT.search(activity_fk)
    assert owner_name is not None
    assert activity_name is not None
    assert owner_fk == insert.format(fk=owner_name.group(1))
    assert activity_fk == delete.format(fk=activity_name.group(1))
    assert owner_name.group(1) != activity_name.group(1)
    assert "Owner" not in owner_fk  # names tell nothing: a client must find the column itself
