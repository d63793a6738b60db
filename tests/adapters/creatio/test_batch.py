"""JSON $batch: chunking at 100, request shape, results mapped back by id, per-operation failures."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from litestar import Litestar

from app.adapters.creatio import (
    BatchOperation,
    CreatioClient,
    CreatioInstance,
    CreatioPermanentError,
    CreatioRetryableError,
)
from tests.support.casebridge import SANDBOX_CLIENT_ID, SANDBOX_SECRET, SANDBOX_URL
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


async def test_a_retrys_read_back_is_one_batch_of_gets_in_the_sandbox(
    sandbox_app: Litestar, sandbox_http: httpx.AsyncClient
) -> None:
    """After an ambiguous failure the sync asks which of its records exist: Contact, Case and 25 activities
    (two chunks of ids) in one request, so that a Creatio failing often does not fail most retries."""
    instance = CreatioInstance.from_input(
        SANDBOX_URL, SANDBOX_CLIENT_ID, SANDBOX_SECRET, allow_insecure_loopback=True
    )
    client = CreatioClient(instance, sandbox_http)
    case = await client.create("Case", {"Id": uuid4(), "Subject": "Read-back"})
    case_id = UUID(str(case["Id"]))
    written = [uuid4() for _ in range(15)]
    await client.batch(
        [BatchOperation.create("Activity", {"Id": i, "CaseId": case_id, "Title": "m"}) for i in written]
    )
    missing = [uuid4() for _ in range(10)]
    stats = sandbox_app.state.sandbox.stats
    stats.reset()
    found = await client.existing_ids_in(
        {"Contact": [uuid4()], "Case": [case_id], "Activity": [*written, *missing]}
    )
    assert found == {("Case", case_id)} | {("Activity", i) for i in written}
    assert (stats.odata_requests, stats.batches, stats.batch_sub_requests) == (1, 1, 4)


async def test_a_failed_read_in_the_batch_raises_its_error(fake: FakeCreatio, client: CreatioClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        reads = json.loads(request.content)["requests"]
        assert [r["method"] for r in reads] == ["GET", "GET"]
        assert reads[0]["url"] == f"Case?$filter=Id%20eq%20{CASE_ID}&$select=Id&$top=1"
        answers = [{"id": reads[0]["id"], "status": 200, "body": {"value": [{"Id": str(CASE_ID)}]}}]
        answers.append({"id": reads[1]["id"], **sub_error(503, "Service is busy")})
        return json_response(200, {"responses": answers})

    fake.odata = handler
    with pytest.raises(CreatioRetryableError, match="503"):
        await client.existing_ids_in({"Case": [CASE_ID], "Activity": [UUID(int=1)]})
