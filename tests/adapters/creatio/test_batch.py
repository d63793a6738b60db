"""JSON $batch: chunking at 100, request shape, results mapped back by id, per-operation failures."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import httpx
import pytest

from app.adapters.creatio import (
    BatchOperation,
    CreatioClient,
    CreatioPermanentError,
    CreatioRetryableError,
)
from tests.support.fake_creatio import ODATA, FakeCreatio, json_response

CASE_ID = UUID("0b7f1c52-2c6a-4f4e-9a4e-0d5c2b1f7a10")
DUP = (
    "Violation of PRIMARY KEY constraint 'PKActivity'. Cannot insert duplicate key in object 'dbo.Activity'."
)


def activity(n: int) -> BatchOperation:
    return BatchOperation.create("Activity", {"Id": UUID(int=n), "CaseId": CASE_ID, "Title": f"Message {n}"})


def sub_error(status: int, internal: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    body = {
        "error": {
            "code": "",
            "message": "An error has occurred.",
            "innererror": {"internalexception": {"message": internal}},
        }
    }
    return {"status": status, "headers": headers or {}, "body": body}


class BatchServer:
    """Answers each $batch in reverse order; `special` overrides the answer for given sub-request ids."""

    def __init__(self) -> None:
        self.special: dict[str, dict[str, Any] | None] = {}
        self.chunk_status: list[int] = []
        self.existing: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":  # existing_ids
            asked = [part.split(" eq ")[1] for part in request.url.params["$filter"].split(" or ")]
            return json_response(200, {"value": [{"Id": i} for i in asked if i in self.existing]})
        if self.chunk_status:
            status = self.chunk_status.pop(0)
            if status != 200:
                return httpx.Response(status)
        responses = []
        for sub in reversed(json.loads(request.content)["requests"]):
            answer = self.special.get(sub["id"], {"status": 201, "headers": {}, "body": sub.get("body")})
            if answer is not None:
                responses.append({"id": sub["id"], **answer})
        return json_response(200, {"responses": responses})


@pytest.fixture
def server(fake: FakeCreatio) -> BatchServer:
    handler = BatchServer()
    fake.odata = handler
    return handler


def batches(fake: FakeCreatio) -> list[list[dict[str, Any]]]:
    return [json.loads(r.content)["requests"] for r in fake.odata_requests if r.url.path.endswith("$batch")]


async def test_250_operations_make_3_batch_requests_with_results_in_order(
    fake: FakeCreatio, server: BatchServer, client: CreatioClient
) -> None:
    ops = [activity(n) for n in range(1, 251)]
    results = await client.batch(ops)
    assert [len(chunk) for chunk in batches(fake)] == [100, 100, 50]
    assert [r.operation for r in results] == ops
    assert [r.id for r in results] == [str(n) for n in range(1, 251)]
    assert all(r.ok and r.status == 201 for r in results)
    assert results[249].body == {"Id": str(UUID(int=250)), "CaseId": str(CASE_ID), "Title": "Message 250"}
    request = fake.odata_requests[0]
    assert (request.method, str(request.url)) == ("POST", f"{ODATA}/$batch")
    assert request.headers["prefer"] == "continue-on-error"
    assert request.headers["content-type"] == "application/json; charset=utf-8; IEEE754Compatible=true"
    assert request.headers["accept"] == "application/json"


async def test_sub_request_shape(fake: FakeCreatio, server: BatchServer, client: CreatioClient) -> None:
    ops = [
        activity(1),
        BatchOperation.update("Case", CASE_ID, {"Subject": "New"}, id="patch-case"),
    ]
    await client.batch(ops)
    assert batches(fake) == [
        [
            {
                "id": "1",
                "method": "POST",
                "url": "Activity",
                "headers": {"Content-Type": "application/json; charset=utf-8; IEEE754Compatible=true"},
                "body": {"Id": str(UUID(int=1)), "CaseId": str(CASE_ID), "Title": "Message 1"},
            },
            {
                "id": "patch-case",
                "method": "PATCH",
                "url": f"Case/{CASE_ID}",
                "headers": {"Content-Type": "application/json; charset=utf-8; IEEE754Compatible=true"},
                "body": {"Subject": "New"},
            },
        ]
    ]


async def test_per_operation_failures_are_surfaced(
    fake: FakeCreatio, server: BatchServer, client: CreatioClient
) -> None:
    server.special = {
        "2": sub_error(400, "The property 'Titel' does not exist on type 'Activity'."),
        "3": None,  # Creatio skipped it
        "4": sub_error(429, "Too many requests", {"Retry-After": "15"}),
        "5": {"status": 204, "headers": {}},
    }
    results = await client.batch([activity(n) for n in range(1, 6)])
    assert [(r.status, r.ok) for r in results] == [
        (201, True),
        (400, False),
        (424, False),
        (429, False),
        (204, True),
    ]
    bad = results[1].error
    assert isinstance(bad, CreatioPermanentError)
    assert bad.creatio_message == "The property 'Titel' does not exist on type 'Activity'."
    assert "POST Activity in $batch" in bad.message
    skipped = results[2].error
    assert isinstance(skipped, CreatioRetryableError)
    assert skipped.ambiguous is False
    throttled = results[3].error
    assert isinstance(throttled, CreatioRetryableError)
    assert throttled.retry_after == 15.0
    assert results[4].body is None


async def test_a_duplicate_id_create_is_ok_once_the_id_is_confirmed(
    fake: FakeCreatio, server: BatchServer, client: CreatioClient
) -> None:
    server.special = {"1": sub_error(500, DUP), "2": sub_error(500, DUP)}
    server.existing = {str(UUID(int=1))}
    results = await client.batch([activity(1), activity(2), activity(3)])
    assert (results[0].ok, results[0].already_existed) == (True, True)
    assert (results[1].ok, results[1].already_existed) == (False, False)
    assert isinstance(results[1].error, CreatioPermanentError)
    assert results[2].ok
    check = fake.odata_requests[-1]
    assert check.method == "GET"
    assert check.url.params["$filter"] == f"Id eq {UUID(int=1)} or Id eq {UUID(int=2)}"


async def test_a_failed_chunk_raises(fake: FakeCreatio, server: BatchServer, client: CreatioClient) -> None:
    server.chunk_status = [200, 503]
    with pytest.raises(CreatioRetryableError) as info:
        await client.batch([activity(n) for n in range(1, 151)])
    assert info.value.status == 503
    assert "POST $batch" in info.value.message
    assert len(fake.odata_requests) == 2


async def test_existing_ids_before_reposting_after_an_ambiguous_failure(
    fake: FakeCreatio, server: BatchServer, client: CreatioClient
) -> None:
    server.existing = {str(UUID(int=n)) for n in range(1, 31)}
    ops = [activity(n) for n in range(1, 51)]
    existing = await client.existing_ids("Activity", [UUID(int=n) for n in range(1, 51)])
    remaining = [op for op in ops if op.body is not None and op.body["Id"] not in existing]
    results = await client.batch(remaining)
    assert [r.operation.body["Id"] for r in results if r.operation.body] == [
        UUID(int=n) for n in range(31, 51)
    ]


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ([activity(1), BatchOperation.create("Activity", {"Id": UUID(int=2)}, id="1")], "unique"),
        ([BatchOperation.create("Activity", {"Title": "no id"})], "client-generated UUID"),
        ([BatchOperation("PATCH", "Case", None, {"Subject": "x"})], "needs an entity_id"),
        ([BatchOperation.create("Case?$top=1", {"Id": UUID(int=1)})], "entity set"),
    ],
)
async def test_invalid_operations_are_rejected_before_sending(
    fake: FakeCreatio, server: BatchServer, client: CreatioClient, ops: list[BatchOperation], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await client.batch(ops)
    assert fake.odata_requests == []
    assert fake.token_requests == []


async def test_an_empty_batch_sends_nothing(fake: FakeCreatio, client: CreatioClient) -> None:
    assert await client.batch([]) == []
    assert fake.odata_requests == []
