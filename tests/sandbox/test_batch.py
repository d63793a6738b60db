"""JSON `$batch`: URL forms, limit, stop-on-error, continue-on-error, atomicity groups, counters."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.domain.creatio_ids import CaseStatusIds
from tests.support.sandbox import BASE, Sandbox, error_message

BATCH = "/0/odata/$batch"


async def _batch(sb: Sandbox, requests: list[dict[str, Any]], **headers: str) -> Any:
    response = await sb.post(BATCH, json={"requests": requests}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["responses"]


async def test_mixed_batch_answers_each_sub_request(sb: Sandbox) -> None:
    case_id = str(uuid.uuid4())
    responses = await _batch(
        sb,
        [
            {"id": "1", "method": "POST", "url": "Case", "body": {"Id": case_id, "Subject": "From batch"}},
            {"id": "2", "method": "POST", "url": "Activity", "body": {"CaseId": case_id, "Title": "msg"}},
            {"id": "3", "method": "PATCH", "url": f"Case({case_id})", "body": {"Notes": "patched"}},
            {"id": "4", "method": "GET", "url": f"Case/{case_id}?$select=Subject,Notes"},
            {"id": "5", "method": "GET", "url": f"Activity?$filter=Case/Id eq {case_id}&$count=true"},
        ],
    )

    assert [r["id"] for r in responses] == ["1", "2", "3", "4", "5"]
    assert [r["status"] for r in responses] == [201, 201, 204, 200, 200]
    created = responses[0]
    assert created["headers"]["location"] == f"{BASE}/0/odata/Case({case_id})"
    assert created["headers"]["content-type"] == "application/json; odata.metadata=minimal"
    assert created["headers"]["odata-version"] == "4.0"
    assert created["body"]["Number"] == "SR00000001"
    assert responses[2]["headers"] == {"odata-version": "4.0"}
    assert "body" not in responses[2]
    assert responses[3]["body"]["Notes"] == "patched"
    assert responses[4]["body"]["@odata.count"] == 1


@pytest.mark.parametrize(
    "url_for",
    [
        lambda i: f"Case({i})",
        lambda i: f"Case/{i}",
        lambda i: f"/0/odata/Case({i})",
        lambda i: f"{BASE}/0/odata/Case/{i}",
        lambda i: f"https://elsewhere.example/0/odata/Case({i})?$select=Subject",
    ],
)
async def test_url_forms(sb: Sandbox, url_for: Any) -> None:
    case = await sb.create_case()

    responses = await _batch(sb, [{"id": "g", "method": "GET", "url": url_for(case["Id"])}])

    assert responses[0]["status"] == 200
    assert responses[0]["body"]["Subject"] == "Printer on fire"


async def test_absolute_collection_url_with_query(sb: Sandbox) -> None:
    responses = await _batch(
        sb,
        [
            {
                "id": "q",
                "method": "GET",
                "url": f"{BASE}/0/odata/CaseStatus?$filter=IsFinal eq true&$select=Name",
            }
        ],
    )

    assert sorted(r["Name"] for r in responses[0]["body"]["value"]) == ["Canceled", "Closed"]


async def test_more_than_100_sub_requests_is_400(sb: Sandbox) -> None:
    requests = [{"id": str(i), "method": "GET", "url": "CaseStatus?$top=1"} for i in range(101)]

    too_many = await sb.post(BATCH, json={"requests": requests})
    exactly_100 = await sb.post(BATCH, json={"requests": requests[:100]})

    assert too_many.status_code == 400
    assert "maximum number of '100'" in error_message(too_many.json())
    assert exactly_100.status_code == 200
    assert len(exactly_100.json()["responses"]) == 100


async def test_stops_at_the_first_failure(sb: Sandbox) -> None:
    responses = await _batch(
        sb,
        [
            {"id": "1", "method": "POST", "url": "Case", "body": {"Subject": "ok"}},
            {"id": "2", "method": "POST", "url": "Case", "body": {"Bogus": 1}},
            {"id": "3", "method": "POST", "url": "Case", "body": {"Subject": "never"}},
        ],
    )

    assert [(r["id"], r["status"]) for r in responses] == [("1", 201), ("2", 400)]
    assert "error" in responses[1]["body"]
    assert [c["Subject"] for c in sb.store.rows("Case")] == ["ok"]


async def test_continue_on_error(sb: Sandbox) -> None:
    responses = await _batch(
        sb,
        [
            {"id": "1", "method": "GET", "url": f"Case({uuid.uuid4()})"},
            {"id": "2", "method": "GET", "url": "Case/Nope"},
            {"id": "3", "method": "POST", "url": "Case", "body": {"Subject": "still runs"}},
        ],
        Prefer="continue-on-error",
    )

    assert [r["status"] for r in responses] == [404, 404, 201]
    assert len(sb.store.rows("Case")) == 1


async def test_atomicity_group_names_become_guids_and_failures_roll_back_the_group(sb: Sandbox) -> None:
    responses = await _batch(
        sb,
        [
            {"id": "1", "atomicityGroup": "g1", "method": "POST", "url": "Case", "body": {"Subject": "a"}},
            {"id": "2", "atomicityGroup": "g1", "method": "POST", "url": "Case", "body": {"Subject": "b"}},
            {"id": "3", "atomicityGroup": "g2", "method": "POST", "url": "Case", "body": {"Subject": "c"}},
            {
                "id": "4",
                "atomicityGroup": "g2",
                "method": "PATCH",
                "url": f"Case({uuid.uuid4()})",
                "body": {},
            },
        ],
        Prefer="continue-on-error",
    )

    first_group = {r["atomicityGroup"] for r in responses[:2]}
    assert len(first_group) == 1
    group_id = first_group.pop()
    assert str(uuid.UUID(group_id)) == group_id
    assert group_id != "g1"
    assert [r["status"] for r in responses] == [201, 201, 404]
    assert responses[2]["id"] == "4"
    assert responses[2]["atomicityGroup"] != group_id
    assert sorted(c["Subject"] for c in sb.store.rows("Case")) == ["a", "b"]  # "c" was rolled back


async def test_batch_side_effects_apply_in_order(sb: Sandbox) -> None:
    case = await sb.create_case()

    await _batch(
        sb,
        [
            {
                "id": "1",
                "method": "PATCH",
                "url": f"Case({case['Id']})",
                "body": {"StatusId": str(CaseStatusIds.CLOSED)},
            }
        ],
    )

    row = sb.store.get("Case", case["Id"])
    assert row is not None
    assert row["ClosureDate"].year > 2000


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (
            b"--batch_1\r\nContent-Type: application/http\r\n\r\nGET Case HTTP/1.1\r\n\r\n--batch_1--",
            "multipart/mixed; boundary=batch_1",
        ),
        (b'{"no_requests": []}', "application/json"),
        (b"{oops", "application/json"),
        (b'{"requests": [{"id": "1"}]}', "application/json"),
    ],
)
async def test_malformed_batches_are_400(sb: Sandbox, content: bytes, content_type: str) -> None:
    response = await sb.post(BATCH, content=content, headers={"Content-Type": content_type})

    assert response.status_code == 400
    assert "error" in response.json()


async def test_batch_needs_a_token(sb: Sandbox) -> None:
    response = await sb.client.post(BATCH, json={"requests": []})

    assert response.status_code == 401


async def test_batch_counters(sb: Sandbox) -> None:
    await _batch(
        sb,
        [
            {"id": "1", "method": "POST", "url": "Case", "body": {}},
            {"id": "2", "method": "GET", "url": "Case"},
            {"id": "3", "method": "GET", "url": "CaseStatus"},
        ],
    )

    stats = (await sb.client.get("/__sandbox/stats")).json()

    assert stats["batch"] == {"requests": 1, "sub_requests": 3}
    assert stats["odata"] == {"GET": {"Case": 1, "CaseStatus": 1}, "POST": {"Case": 1}}
    assert stats["odata_requests"] == 1
