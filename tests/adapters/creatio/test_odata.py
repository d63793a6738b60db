"""OData reads and writes: URLs, headers, query options, paging, lookups, existing ids, concurrency."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from app.adapters.creatio import (
    CreatioAmbiguousNameError,
    CreatioClient,
    CreatioRetryableError,
    build_http_client,
)
from tests.support.fake_creatio import (
    ODATA,
    TOKEN_PREFIX,
    FakeCreatio,
    connection,
    creatio_error,
    json_response,
)

CASE_ID = UUID("0b7f1c52-2c6a-4f4e-9a4e-0d5c2b1f7a10")
JSON_CT = "application/json; charset=utf-8; IEEE754Compatible=true"


Row = dict[str, Any]


def collection(rows: list[Row], count: object = None) -> httpx.Response:
    payload: dict[str, object] = {"@odata.context": f"{ODATA}/$metadata#Case", "value": rows}
    if count is not None:
        payload["@odata.count"] = count
    return json_response(200, payload)


def numbered_rows(total: int) -> list[Row]:
    return [{"Id": str(UUID(int=i + 1)), "Number": f"SR{i:08d}"} for i in range(total)]


def serve_pages(rows: list[Row]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        top, skip = int(params["$top"]), int(params.get("$skip", "0"))
        return collection(rows[skip : skip + top])

    return handler


def raw_query(request: httpx.Request) -> str:
    return request.url.query.decode()


async def test_get_by_id_url_headers_and_annotations(fake: FakeCreatio, client: CreatioClient) -> None:
    fake.odata = lambda r: json_response(
        200, {"@odata.context": f"{ODATA}/$metadata#Case/$entity", "Id": str(CASE_ID), "Number": "SR1"}
    )
    assert await client.get("Case", CASE_ID, select=["Id", "Number"]) == {"Id": str(CASE_ID), "Number": "SR1"}
    [request] = fake.odata_requests
    assert request.method == "GET"
    assert str(request.url) == f"{ODATA}/Case({CASE_ID})?$select=Id,Number"
    assert request.headers["accept"] == "application/json"
    assert request.headers["authorization"] == f"Bearer {TOKEN_PREFIX}1"
    assert "content-type" not in request.headers


async def test_list_sends_every_option_in_a_fixed_order(fake: FakeCreatio, client: CreatioClient) -> None:
    fake.odata = lambda r: collection([{"Id": str(CASE_ID)}], count="42")
    page = await client.list(
        "Case",
        filter="Status/IsFinal eq false",
        select=["Id", "Subject"],
        orderby="CreatedOn desc",
        top=50,
        skip=100,
        count=True,
    )
    assert raw_query(fake.odata_requests[0]) == (
        "$filter=Status/IsFinal%20eq%20false&$select=Id,Subject&$orderby=CreatedOn%20desc"
        "&$top=50&$skip=100&$count=true"
    )
    assert (page.items, page.count, page.top, page.skip, page.is_last) == (
        [{"Id": str(CASE_ID)}],
        42,
        50,
        100,
        True,
    )


async def test_list_always_sends_top(fake: FakeCreatio, client: CreatioClient) -> None:
    fake.odata = lambda r: collection([])
    page = await client.list("CaseStatus")
    assert raw_query(fake.odata_requests[0]) == "$top=100"
    assert page.count is None
    for bad in (-1, 5001):
        with pytest.raises(ValueError, match="top must be between 0 and 5000"):
            await client.list("Case", top=bad)
    with pytest.raises(ValueError, match="skip"):
        await client.list("Case", skip=-1)


@pytest.mark.parametrize(("total", "requests"), [(250, 3), (200, 3), (0, 1), (99, 1)])
async def test_iterate_pages_until_a_short_page(
    fake: FakeCreatio, client: CreatioClient, total: int, requests: int
) -> None:
    rows = numbered_rows(total)
    fake.odata = serve_pages(rows)
    items = [item async for item in client.iterate("Case", select=["Id", "Number"])]
    assert items == rows
    assert len(fake.odata_requests) == requests
    for index, request in enumerate(fake.odata_requests):
        params = request.url.params
        assert params["$top"] == "100"
        assert params["$orderby"] == "Id"
        assert params.get("$skip", "0") == str(index * 100)


async def test_iterate_respects_limit_and_adds_an_id_tie_breaker(
    fake: FakeCreatio, client: CreatioClient
) -> None:
    rows = numbered_rows(500)
    fake.odata = serve_pages(rows)
    items = [i async for i in client.iterate("Case", orderby="CreatedOn desc", page_size=100, limit=150)]
    assert items == rows[:150]
    assert [(r.url.params["$top"], r.url.params.get("$skip")) for r in fake.odata_requests] == [
        ("100", None),
        ("50", "100"),
    ]
    assert fake.odata_requests[0].url.params["$orderby"] == "CreatedOn desc,Id"


def test_iterate_validates_eagerly(client: CreatioClient) -> None:
    with pytest.raises(ValueError, match="page_size"):
        client.iterate("Case", page_size=0)
    with pytest.raises(ValueError, match="entity set"):
        client.iterate("Case?$x=1")


async def test_case_activities_filter_on_the_navigation_path(
    fake: FakeCreatio, client: CreatioClient
) -> None:
    activity: Row = {"Id": str(uuid4()), "Title": "Reply"}
    fake.odata = lambda r: collection([activity])
    since = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert await client.list_case_activities(CASE_ID, select=["Id", "Title"], modified_since=since) == [
        activity
    ]
    [request] = fake.odata_requests
    assert request.url.path == "/0/odata/Activity"
    assert request.url.params["$filter"] == f"Case/Id eq {CASE_ID} and ModifiedOn gt 2026-11-28T10:00:00Z"
    assert "CaseId" not in str(request.url)
    assert request.url.params["$orderby"] == "CreatedOn,Id"
    assert request.url.params["$top"] == "100"


async def test_find_by_name_escapes_quotes(fake: FakeCreatio, client: CreatioClient) -> None:
    row: Row = {"Id": str(uuid4()), "Name": "O'Hara's team"}
    fake.odata = lambda r: collection([row])
    assert await client.find_by_name("SysAdminUnit", "O'Hara's team") == row
    request = fake.odata_requests[0]
    assert request.url.params["$filter"] == "Name eq 'O''Hara''s team'"
    assert raw_query(request).startswith("$filter=Name%20eq%20'O''Hara''s%20team'&$select=Id,Name&")
    assert request.url.params["$top"] == "2"


async def test_find_by_name_none_and_ambiguous(fake: FakeCreatio, client: CreatioClient) -> None:
    fake.odata = lambda r: collection([])
    assert await client.find_by_name("CasePriority", "High") is None
    fake.odata = lambda r: collection([{"Id": str(uuid4())}, {"Id": str(uuid4())}])
    with pytest.raises(CreatioAmbiguousNameError) as info:
        await client.find_by_name("CasePriority", "High")
    assert (
        info.value.message
        == "Several CasePriority records are named 'High'; rename one in Creatio or use its Id."
    )


async def test_existing_ids_asks_in_chunks_of_20(fake: FakeCreatio, client: CreatioClient) -> None:
    ids = [UUID(int=i + 1) for i in range(45)]
    present = set(ids[::3])

    def handler(request: httpx.Request) -> httpx.Response:
        asked = [UUID(part.split(" eq ")[1]) for part in request.url.params["$filter"].split(" or ")]
        return collection([{"Id": str(i)} for i in asked if i in present])

    fake.odata = handler
    assert await client.existing_ids("Activity", [*ids, ids[0]]) == present
    assert [r.url.params["$top"] for r in fake.odata_requests] == ["20", "20", "5"]
    first = fake.odata_requests[0].url.params
    assert first["$filter"].startswith(f"Id eq {ids[0]} or Id eq {ids[1]} or ")
    assert first["$select"] == "Id"
    assert all(len(str(r.url)) < 2048 for r in fake.odata_requests)


async def test_update_patches_with_json_headers(fake: FakeCreatio, client: CreatioClient) -> None:
    fake.odata = lambda r: httpx.Response(204)
    owner = UUID("410006e1-ca4e-4502-a9ec-e54d922d2c00")
    await client.update("Case", CASE_ID, {"OwnerId": owner, "Subject": "Ünïcode"})
    [request] = fake.odata_requests
    assert (request.method, str(request.url)) == ("PATCH", f"{ODATA}/Case({CASE_ID})")
    assert request.headers["content-type"] == JSON_CT
    assert request.headers["accept"] == "application/json"
    assert json.loads(request.content) == {"OwnerId": str(owner), "Subject": "Ünïcode"}


async def test_delete_says_whether_the_entity_was_there(fake: FakeCreatio, client: CreatioClient) -> None:
    answers = iter(
        [httpx.Response(204), httpx.Response(404), creatio_error(500, internal="REFERENCE constraint")]
    )
    fake.odata = lambda r: next(answers)

    assert await client.delete("Case", CASE_ID) is True
    assert await client.delete("Case", CASE_ID) is False
    with pytest.raises(CreatioRetryableError, match="REFERENCE constraint"):
        await client.delete("Case", CASE_ID)
    assert [(r.method, str(r.url)) for r in fake.odata_requests] == [
        ("DELETE", f"{ODATA}/Case({CASE_ID})")
    ] * 3


async def test_update_rejects_bad_bodies(client: CreatioClient) -> None:
    with pytest.raises(ValueError, match="at least one field"):
        await client.update("Case", CASE_ID, {})
    with pytest.raises(ValueError, match="differs"):
        await client.update("Case", CASE_ID, {"Id": str(uuid4())})


@pytest.mark.parametrize(("configured", "limit"), [(3, 3), (None, 8)])
async def test_never_more_than_max_concurrency_requests_in_flight(
    fake: FakeCreatio, http: httpx.AsyncClient, configured: int | None, limit: int
) -> None:
    calls = 30
    in_flight = 0
    peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return collection([])

    fake.odata = slow
    client = (
        CreatioClient(connection(), http, max_concurrency=configured)
        if configured
        else CreatioClient(connection(), http)  # the default
    )
    await asyncio.gather(*(client.list("Case", top=1) for _ in range(calls)))
    assert peak == limit
    assert len(fake.odata_requests) == calls


async def test_build_http_client_defaults() -> None:
    async with build_http_client(timeout_seconds=7.5, max_connections=4) as http:
        assert http.follow_redirects is False
        assert http.timeout.read == 7.5
        assert http.timeout.connect == 7.5
        assert http.headers["user-agent"].startswith("Casebridge")
    with pytest.raises(ValueError):
        build_http_client(timeout_seconds=0)
