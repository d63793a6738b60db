"""The Creatio adapter over real HTTP, replayed from cassettes recorded against the sandbox.

`pytest` (record mode `none`, the default) replays `cassettes/creatio/<test>.yaml` against
`https://creatio.test`: no sandbox, no sockets. A request that is not in the cassette raises
`CannotOverwriteExistingCassetteException` and fails the test, and every interaction must be played
exactly once. `make record-cassettes` (`--record-mode=rewrite`) starts a fresh sandbox per test on a free
loopback port and records again; see tests/support/cassettes.py for what is scrubbed before saving.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import unquote
from uuid import UUID

import httpx
import pytest
from vcr import VCR
from vcr.cassette import Cassette
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.request import Request

from app.adapters.creatio import (
    BatchOperation,
    CreatioAuthError,
    CreatioClient,
    CreatioInstance,
    CreatioPermanentError,
    CreatioRetryableError,
    build_http_client,
)
from app.adapters.creatio.payloads import activity_body, case_body, case_changes_body
from app.domain.case import ActivityDraft, CaseChanges, CaseDraft
from app.domain.creatio_ids import CaseOriginIds, CasePriorityIds, CaseStatusIds, RoleIds
from app.sandbox.ids import SandboxIds
from tests.support import cassettes as cs

# The sandbox's seeded people.
MARIA = SandboxIds.AGENT_1_CONTACT
TOM = SandboxIds.AGENT_2_CONTACT
ADA = SandboxIds.DEMO_CUSTOMER_CONTACT

# Client-generated Ids and times: fixed, so request bodies are the same on every run.
CASE_ID = UUID("c0a5e000-0000-4000-8000-000000000001")
UNKNOWN_CASE_ID = UUID("c0a5e000-0000-4000-8000-0000000000ff")
ACTIVITY_IDS = [UUID(f"ac71e000-0000-4000-8000-00000000000{n}") for n in (1, 2, 3)]
REFUSED_ACTIVITY_ID = UUID("ac71e000-0000-4000-8000-0000000000ff")
SENT_AT = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)

DRAFT = CaseDraft(
    id=CASE_ID,
    subject="Printer on fire",
    symptoms="Customer reports smoke from the office printer.",
    contact_id=ADA,
    owner_id=MARIA,
    group_id=RoleIds.FIRST_LINE,
    fields={"PriorityId": str(CasePriorityIds.HIGH)},
)


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(cs.CREATIO_CASSETTE_DIR)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, object]:
    return cs.creatio_vcr_config()


@dataclass
class Creatio:
    """Where the adapter talks to (the sandbox while recording, https://creatio.test on replay)."""

    origin: str
    http: httpx.AsyncClient
    sent: list[str] = field(default_factory=list)  # "METHOD /path?query", unquoted
    statuses: list[int] = field(default_factory=list)  # of the answers received

    def client(self, secret: str = cs.CLIENT_SECRET) -> CreatioClient:
        return CreatioClient(saved_connection(self.origin, secret, allow_insecure_loopback=True), self.http)

    async def on_request(self, request: httpx.Request) -> None:
        target = unquote(request.url.raw_path.decode("ascii"))
        self.sent.append(f"{request.method} {target}")

    async def on_response(self, response: httpx.Response) -> None:
        self.statuses.append(response.status_code)


@pytest.fixture
def creatio_origin(record_mode: str, disable_recording: bool) -> Iterator[str]:
    """https://creatio.test on replay; a fresh sandbox subprocess when recording (or recording is off)."""
    if record_mode == "none" and not disable_recording:
        yield cs.CREATIO_ORIGIN
        return
    with cs.running_sandbox(cs.CLIENT_ID, cs.CLIENT_SECRET) as origin:
        yield origin


@pytest.fixture
async def creatio(vcr: Cassette | None, record_mode: str, creatio_origin: str) -> AsyncIterator[Creatio]:
    """The adapter's HTTP client; on replay, checks afterwards that the cassette was played in full."""
    async with build_http_client(timeout_seconds=10) as http:
        target = Creatio(creatio_origin, http)
        http.event_hooks = {"request": [target.on_request], "response": [target.on_response]}
        yield target
    if vcr is not None and record_mode == "none":
        cs.assert_fully_played(vcr, len(target.sent), len(target.statuses))


@pytest.mark.vcr
async def test_token_fetch_and_lookups_by_name(creatio: Creatio) -> None:
    client = creatio.client()

    resolved = await client.find_by_name("CaseStatus", "Resolved")
    high = await client.find_by_name("CasePriority", "High")
    missing = await client.find_by_name("CaseStatus", "Escalated to Mars")

    assert resolved == {"Id": str(CaseStatusIds.RESOLVED), "Name": "Resolved"}
    assert high == {"Id": str(CasePriorityIds.HIGH), "Name": "High"}
    assert missing is None
    assert creatio.sent == [
        "POST /0/connect/token",
        "GET /0/odata/CaseStatus?$filter=Name eq 'Resolved'&$select=Id,Name&$orderby=Id&$top=2",
        "GET /0/odata/CasePriority?$filter=Name eq 'High'&$select=Id,Name&$orderby=Id&$top=2",
        "GET /0/odata/CaseStatus?$filter=Name eq 'Escalated to Mars'&$select=Id,Name&$orderby=Id&$top=2",
    ]
    state = client.token_state
    assert state.has_token
    assert state.token_requests == 1
    assert state.token_endpoint == f"{creatio.origin}/0/connect/token"


@pytest.mark.vcr
async def test_list_with_query_options_and_paging(creatio: Creatio) -> None:
    client = creatio.client()

    page = await client.list(
        "CaseStatus",
        filter="IsFinal eq false and IsResolved eq false",
        select=["Name", "StageNumber"],
        orderby="StageNumber desc,Name",
        top=3,
        count=True,
    )
    origins = [row["Name"] async for row in client.iterate("CaseOrigin", select=["Name"], page_size=4)]
    first_five = [row async for row in client.iterate("CaseOrigin", select=["Name"], orderby="Name", limit=5)]

    assert page.items == [
        {"Name": "In progress", "StageNumber": 2},
        {"Name": "Reopened", "StageNumber": 2},
        {"Name": "Waiting for response", "StageNumber": 2},
    ]
    assert page.count == 4
    assert not page.is_last
    assert sorted(origins) == [
        "Call",
        "Chat",
        "Email",
        "Forum",
        "Internal",
        "Personal visit",
        "Portal",
        "Site",
        "Social networks",
    ]
    assert [row["Name"] for row in first_five] == ["Call", "Chat", "Email", "Forum", "Internal"]
    assert creatio.sent[1:] == [
        "GET /0/odata/CaseStatus?$filter=IsFinal eq false and IsResolved eq false&$select=Name,StageNumber"
        "&$orderby=StageNumber desc,Name&$top=3&$count=true",
        "GET /0/odata/CaseOrigin?$select=Name&$orderby=Id&$top=4",
        "GET /0/odata/CaseOrigin?$select=Name&$orderby=Id&$top=4&$skip=4",
        "GET /0/odata/CaseOrigin?$select=Name&$orderby=Id&$top=4&$skip=8",
        "GET /0/odata/CaseOrigin?$select=Name&$orderby=Name,Id&$top=5",
    ]


@pytest.mark.vcr
async def test_case_create_update_and_read_back(creatio: Creatio) -> None:
    client = creatio.client()

    created = await client.create("Case", case_body(DRAFT))
    changes = CaseChanges(owner_id=TOM, status_id=CaseStatusIds.IN_PROGRESS)
    await client.update("Case", CASE_ID, case_changes_body(changes))
    read = await client.get("Case", CASE_ID, select=["Id", "Subject", "StatusId", "OwnerId", "PriorityId"])
    again = await client.create("Case", case_body(DRAFT))  # a retried create: duplicate Id -> read back

    assert created["Id"] == str(CASE_ID)
    assert created["Number"] == "SR00000001"
    assert created["Subject"] == "Printer on fire"
    assert created["StatusId"] == str(CaseStatusIds.NEW)
    assert created["OriginId"] == str(CaseOriginIds.CHAT)
    assert (created["ContactId"], created["GroupId"]) == (str(ADA), str(RoleIds.FIRST_LINE))
    assert read == {
        "Id": str(CASE_ID),
        "Subject": "Printer on fire",
        "StatusId": str(CaseStatusIds.IN_PROGRESS),
        "OwnerId": str(TOM),
        "PriorityId": str(CasePriorityIds.HIGH),
    }
    assert again["Id"] == str(CASE_ID)
    assert again["StatusId"] == str(CaseStatusIds.IN_PROGRESS)
    assert [line.split("?")[0] for line in creatio.sent[1:]] == [
        "POST /0/odata/Case",
        f"PATCH /0/odata/Case({CASE_ID})",
        f"GET /0/odata/Case({CASE_ID})",
        "POST /0/odata/Case",
        f"GET /0/odata/Case({CASE_ID})",
    ]
    assert creatio.statuses == [200, 201, 204, 200, 500, 200]  # token, POST, PATCH, GET, duplicate, GET


@pytest.mark.vcr
async def test_activities_through_batch_then_listed_and_checked(creatio: Creatio) -> None:
    client = creatio.client()
    await client.create("Case", case_body(DRAFT))
    drafts = [
        ActivityDraft(
            id=activity_id,
            case_id=CASE_ID,
            kind="customer",
            title=f"Chat message {n}",
            body=f"Message {n} of the conversation.",
            at=SENT_AT,
            contact_id=ADA,
        )
        for n, activity_id in enumerate(ACTIVITY_IDS, 1)
    ]
    operations = [BatchOperation.create("Activity", activity_body(d)) for d in drafts]
    operations.append(BatchOperation.update("Case", CASE_ID, {"StatusId": str(CaseStatusIds.IN_PROGRESS)}))
    operations.append(
        BatchOperation.create("Activity", {"Id": str(REFUSED_ACTIVITY_ID), "CaseId": str(CASE_ID), "Mood": 1})
    )

    results = await client.batch(operations)
    activities = await client.list_case_activities(CASE_ID, select=["Id", "Title", "StartDate"])
    existing = await client.existing_ids("Activity", [*ACTIVITY_IDS, REFUSED_ACTIVITY_ID])

    assert [(r.id, r.status, r.ok) for r in results] == [
        ("1", 201, True),
        ("2", 201, True),
        ("3", 201, True),
        ("4", 204, True),
        ("5", 400, False),
    ]
    assert results[0].body is not None
    assert results[0].body["Title"] == "Chat message 1"
    refused = results[4].error
    assert isinstance(refused, CreatioPermanentError)
    assert refused.status == 400
    assert refused.creatio_message == (
        "The property 'Mood' does not exist on type 'Terrasoft.Configuration.Activity'. "
        "Make sure to only use property names that are defined by the type."
    )
    assert activities == [
        {"Id": str(ACTIVITY_IDS[0]), "Title": "Chat message 1", "StartDate": "2025-03-14T09:26:53Z"},
        {"Id": str(ACTIVITY_IDS[1]), "Title": "Chat message 2", "StartDate": "2025-03-14T09:26:53Z"},
        {"Id": str(ACTIVITY_IDS[2]), "Title": "Chat message 3", "StartDate": "2025-03-14T09:26:53Z"},
    ]
    assert existing == set(ACTIVITY_IDS)
    assert creatio.sent[2:] == [
        "POST /0/odata/$batch",
        f"GET /0/odata/Activity?$filter=Case/Id eq {CASE_ID}&$select=Id,Title,StartDate"
        "&$orderby=CreatedOn,Id&$top=100",
        "GET /0/odata/Activity?$filter="
        + " or ".join(f"Id eq {i}" for i in [*ACTIVITY_IDS, REFUSED_ACTIVITY_ID])
        + "&$select=Id&$top=4",
    ]


@pytest.mark.vcr
async def test_permanent_errors_carry_creatios_message(creatio: Creatio) -> None:
    client = creatio.client()
    await client.create("Case", case_body(DRAFT))

    with pytest.raises(CreatioPermanentError) as unknown_id:
        await client.update("Case", UNKNOWN_CASE_ID, {"Subject": "Still on fire"})
    with pytest.raises(CreatioPermanentError) as unknown_property:
        await client.update("Case", CASE_ID, {"Temperature": "hot"})
    with pytest.raises(CreatioPermanentError) as quoted_guid:
        await client.list("Case", filter=f"Id eq '{CASE_ID}'", select=["Id"])
    missing = await client.get("Case", UNKNOWN_CASE_ID)

    assert unknown_id.value.status == 404
    assert unknown_id.value.creatio_message == f"No 'Case' record with Id '{UNKNOWN_CASE_ID}' was found."
    assert unknown_property.value.status == 400
    assert unknown_property.value.creatio_message == (
        "The property 'Temperature' does not exist on type 'Terrasoft.Configuration.Case'. "
        "Make sure to only use property names that are defined by the type."
    )
    assert "Creatio says: The property 'Temperature' does not exist" in unknown_property.value.message
    assert quoted_guid.value.status == 400
    assert quoted_guid.value.creatio_message == (
        "A binary operator with incompatible types was detected. "
        "Found incompatible types Edm.Guid and Edm.String for operator kind 'Equal'."
    )
    assert missing is None
    assert creatio.statuses == [200, 201, 404, 400, 400, 404]


@pytest.mark.vcr
async def test_wrong_secret_is_invalid_client(creatio: Creatio) -> None:
    client = creatio.client(secret=cs.WRONG_SECRET)

    with pytest.raises(CreatioAuthError) as refused:
        await client.authenticate()

    assert refused.value.reason == "invalid_client"
    assert refused.value.status == 400
    assert "wrong client id or secret" in refused.value.message
    assert not isinstance(refused.value, CreatioRetryableError)
    assert client.token_state.last_error_reason == "invalid_client"
    assert not client.token_state.has_token
    assert creatio.sent == ["POST /0/connect/token"]


# The replay machinery itself: these tests need the committed cassettes, never a network.


def replay_vcr() -> VCR:
    recorder = VCR(cassette_library_dir=str(cs.CREATIO_CASSETTE_DIR), record_mode="none")
    cs.register_matchers(recorder)
    return recorder


def replay_client(http: httpx.AsyncClient, secret: str = cs.CLIENT_SECRET) -> CreatioClient:
    return CreatioClient(saved_connection(cs.CREATIO_ORIGIN, secret), http)


def saved_connection(origin: str, secret: str, *, allow_insecure_loopback: bool = False) -> CreatioInstance:
    """The sandbox's connection as Test & Save stores it: the OData root and token endpoint known, so the
    cassettes hold only the requests under test (detection and discovery are tested elsewhere)."""
    entered = CreatioInstance.from_input(
        origin, cs.CLIENT_ID, secret, allow_insecure_loopback=allow_insecure_loopback
    )
    return replace(entered, odata_root=f"{origin}/0/odata", token_endpoint=f"{origin}/0/connect/token")


LOOKUPS_CASSETTE = "test_token_fetch_and_lookups_by_name.yaml"


async def test_a_request_missing_from_the_cassette_fails() -> None:
    with replay_vcr().use_cassette(LOOKUPS_CASSETTE, **cs.creatio_vcr_config()) as cassette:
        async with build_http_client() as http:
            client = replay_client(http)
            with pytest.raises(CannotOverwriteExistingCassetteException):
                await client.find_by_name("CaseStatus", "Closed")  # the token is in it, this GET is not
    assert cassette.play_count == 1


async def test_a_wrong_secret_does_not_match_the_recorded_token_request() -> None:
    with replay_vcr().use_cassette(LOOKUPS_CASSETTE, **cs.creatio_vcr_config()) as cassette:
        async with build_http_client() as http:
            with pytest.raises(CannotOverwriteExistingCassetteException):
                await replay_client(http, secret=cs.WRONG_SECRET).authenticate()
    assert cassette.play_count == 0


async def test_a_cassette_not_played_in_full_is_reported() -> None:
    with replay_vcr().use_cassette(LOOKUPS_CASSETTE, **cs.creatio_vcr_config()) as cassette:
        async with build_http_client() as http:
            await replay_client(http).authenticate()
    assert cassette.play_count == 1
    with pytest.raises(AssertionError, match="not played"):
        cs.assert_fully_played(cassette, sent=1, answered=1)


def test_recorded_requests_are_rewritten_and_scrubbed() -> None:
    body = f"grant_type=client_credentials&client_id={cs.CLIENT_ID}&client_secret={cs.CLIENT_SECRET}"
    live = Request(
        "POST",
        "http://127.0.0.1:41234/0/connect/token",
        body.encode(),
        {
            "Authorization": "Basic abc",
            "Host": "127.0.0.1:41234",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    stored = cs.scrub_creatio_request(live)

    assert stored.uri == "https://creatio.test/0/connect/token"
    assert (stored.scheme, stored.host, stored.port) == ("https", "creatio.test", 443)
    assert (
        stored.body == b"grant_type=client_credentials&client_id=casebridge-cassettes&client_secret=XXXXXXXX"
    )
    assert {k.lower() for k in stored.headers} == {"content-type"}
    other = cs.scrub_creatio_request_body(body.replace(cs.CLIENT_SECRET, "something-else").encode())
    assert other.endswith(b"client_secret=XXXXXXXX-OTHER")
    assert (
        cs.scrub_creatio_request_body(stored.body) == stored.body
    )  # idempotent: replay scrubs stored requests too


def test_recorded_responses_are_rewritten_and_scrubbed() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJjbGllbnRfaWQiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    payload = f'{{"access_token":"{token}","expires_in":3600,"token_type":"Bearer"}}'.encode()
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {
            "date": ["Fri, 14 Mar 2025 09:26:53 GMT"],
            "set-cookie": ["BPMCSRF=abc"],
            "content-type": ["application/json"],
            "content-length": [str(len(payload))],
            "location": ["http://127.0.0.1:41234/0/odata/Case(1)"],
        },
        "body": {"string": payload},
    }

    stored = cs.scrub_creatio_response(response)

    assert stored["body"]["string"] == b'{"access_token":"***","expires_in":3600,"token_type":"Bearer"}'
    assert stored["headers"] == {
        "content-type": ["application/json"],
        "content-length": [str(len(stored["body"]["string"]))],
        "location": ["https://creatio.test/0/odata/Case(1)"],
    }
    context = b'{"@odata.context":"http://localhost:8100/0/odata/$metadata#Case","value":[]}'
    assert (
        cs.scrub_creatio_response_body(context)
        == b'{"@odata.context":"https://creatio.test/0/odata/$metadata#Case","value":[]}'
    )


def test_body_matcher_compares_scrubbed_form_and_json_data() -> None:
    def post(body: str, uri: str = "https://creatio.test/0/connect/token") -> Request:
        return Request("POST", uri, body.encode(), {})

    stored = post(f"grant_type=client_credentials&client_id={cs.CLIENT_ID}&client_secret=XXXXXXXX")
    right = post(f"grant_type=client_credentials&client_id={cs.CLIENT_ID}&client_secret={cs.CLIENT_SECRET}")
    wrong = post(f"grant_type=client_credentials&client_id={cs.CLIENT_ID}&client_secret={cs.WRONG_SECRET}")

    cs.creatio_body_matcher(right, stored)
    with pytest.raises(AssertionError, match="bodies differ"):
        cs.creatio_body_matcher(wrong, stored)
    cs.creatio_body_matcher(post('{"a": 1, "b": [2]}'), post('{"b":[2],"a":1}'))
    with pytest.raises(AssertionError, match="bodies differ"):
        cs.creatio_body_matcher(post('{"a": 1}'), post('{"a": 2}'))
