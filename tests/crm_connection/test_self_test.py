"""The live self-test against the in-process sandbox: with writes it passes and leaves nothing behind (on
both platforms), read-only it passes with a client that may not write, and a failure shows Creatio's own
answer; nothing it reports holds a secret or a token."""

from __future__ import annotations

from uuid import UUID

import httpx
import pytest
from litestar import Litestar

from app.crm_connection.self_test import SelfTestOptions, SelfTestReport, run_self_test
from app.crm_connection.service import to_creatio_instance
from app.domain.creatio_ids import CaseStatusIds
from app.domain.creatio_platforms import CreatioPlatform
from app.domain.crm_connection import ConnectionSettings
from app.sandbox import SandboxConfig
from app.sandbox.ids import SandboxIds
from tests.support.casebridge import (
    BOTH_PLATFORMS,
    SANDBOX_CLIENT_ID,
    SANDBOX_SECRET,
    SANDBOX_URL,
    sandbox_connection,
    store_of,
    written_ids,
)

READ_ONLY_CLIENT = "casebridge-read-only"


@pytest.fixture
def sandbox_config(creatio_platform: CreatioPlatform) -> SandboxConfig:
    clients = {SANDBOX_CLIENT_ID: SANDBOX_SECRET, READ_ONLY_CLIENT: SANDBOX_SECRET}
    return SandboxConfig(clients=clients, read_only_clients=[READ_ONLY_CLIENT], platform=creatio_platform)


def connection(client_id: str = SANDBOX_CLIENT_ID, secret: str = SANDBOX_SECRET) -> ConnectionSettings:
    return sandbox_connection(SANDBOX_URL, client_id, secret)


class TokensSeen:
    """Every Bearer token sent to the sandbox, to prove none reaches the report."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.tokens: set[str] = set()
        http.event_hooks["request"].append(self._seen)

    async def _seen(self, request: httpx.Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme == "Bearer":
            self.tokens.add(token)


async def self_test(http: httpx.AsyncClient, settings: ConnectionSettings, *, write: bool) -> SelfTestReport:
    return await run_self_test(to_creatio_instance(settings), settings, http, SelfTestOptions(), write=write)


def assert_no_secrets(text: str, tokens: set[str]) -> None:
    assert tokens, "no request carried a token: the check did not run"
    assert SANDBOX_SECRET not in text
    assert not any(token in text for token in tokens)
    assert "Bearer" not in text
    assert "Authorization" not in text
    assert "access_token" not in text


@BOTH_PLATFORMS
async def test_with_writes_every_step_passes_and_nothing_is_left_behind(
    sandbox_http: httpx.AsyncClient, sandbox_app: Litestar, creatio_platform: CreatioPlatform
) -> None:
    before, seen = written_ids(sandbox_app), TokensSeen(sandbox_http)

    report = await self_test(sandbox_http, connection(), write=True)

    assert report.ok, report.text()
    assert [step.status for step in report.steps] == ["passed"] * len(report.steps)
    names = [step.name for step in report.steps]
    assert names[:2] == ["token", "OData root"]
    assert {"$batch create", "PATCH case status", "reconciliation poll", "test records deleted"} <= set(names)
    assert written_ids(sandbox_app) == before  # contact, case and activities deleted again
    root = "/odata" if creatio_platform == "netcore" else "/0/odata"
    assert report.odata_root == SANDBOX_URL + root
    text = report.text()
    assert f'(with writes, marked "{report.marker}")' in text
    assert report.marker.startswith("Casebridge self-test 20")
    assert "the self-test's case among them" in text  # the reconciliation's scan saw the new case
    assert "status of Case " in text
    assert "set to 'Resolved' and read back" in text
    assert "2 activities (Case/Id eq)" in text
    assert text.splitlines()[-1] == f"PASSED: {len(names)} steps, 0 failed, 0 skipped"
    assert_no_secrets(text, seen.tokens)


async def test_the_batch_creates_with_casebridges_ids_and_the_marker(
    sandbox_http: httpx.AsyncClient, sandbox_app: Litestar
) -> None:
    created: list[dict[str, object]] = []
    store = store_of(sandbox_app)
    original = store.tables.delete

    def remember(entity_set: str, row_id: UUID) -> None:
        created.append({"set": entity_set} | dict(store.tables.get(entity_set, row_id) or {}))
        original(entity_set, row_id)

    store.tables.delete = remember  # type: ignore[method-assign]

    report = await self_test(sandbox_http, connection(), write=True)

    assert report.ok, report.text()
    assert [row["set"] for row in created] == ["Activity", "Activity", "Case", "Contact"]
    case = next(row for row in created if row["set"] == "Case")
    assert case["Subject"] == report.marker
    assert case["OwnerId"] == SandboxIds.AGENT_1_CONTACT
    assert case["StatusId"] == CaseStatusIds.RESOLVED
    assert next(row for row in created if row["set"] == "Contact")["Name"] == report.marker
    assert str(case["Id"]) in report.text()  # the ids Casebridge generated are the ones Creatio kept


async def test_read_only_passes_with_a_client_that_may_not_write(
    sandbox_http: httpx.AsyncClient, sandbox_app: Litestar
) -> None:
    before, seen = written_ids(sandbox_app), TokensSeen(sandbox_http)

    report = await self_test(sandbox_http, connection(READ_ONLY_CLIENT), write=False)

    assert report.ok, report.text()
    skipped = {step.name: step.detail for step in report.steps if step.status == "skipped"}
    assert set(skipped) == {"$batch create", "PATCH case status", "test records deleted"}
    assert all("it writes to Creatio (run `casebridge creatio check --write`)" in d for d in skipped.values())
    assert "(read-only)" in report.text()
    assert written_ids(sandbox_app) == before
    assert_no_secrets(report.text(), seen.tokens)


async def test_a_refused_write_shows_creatios_answer_and_nothing_is_left(
    sandbox_http: httpx.AsyncClient, sandbox_app: Litestar
) -> None:
    before, seen = written_ids(sandbox_app), TokensSeen(sandbox_http)

    report = await self_test(sandbox_http, connection(READ_ONLY_CLIENT), write=True)

    assert not report.ok
    batch = next(step for step in report.steps if step.name == "$batch create")
    assert batch.status == "failed"
    assert "Creatio answered 403" in batch.detail
    assert batch.answer is not None
    assert batch.answer.startswith(f"HTTP 200 to POST {report.odata_root}/$batch: ")
    assert '"status":403' in batch.answer
    assert (
        "Insufficient permissions to add, change or delete records of the 'Contact' schema." in batch.answer
    )
    assert [
        s.status for s in report.steps if s.name in ("PATCH case status", "case and activities read")
    ] == [
        "skipped",
        "skipped",
    ]
    cleanup = report.steps[-1]
    assert (cleanup.name, cleanup.status) == ("test records deleted", "passed")
    assert "nothing to delete" in cleanup.detail
    text = report.text()
    assert "      Creatio answered: HTTP 200 to POST " in text
    assert text.splitlines()[-1].startswith("FAILED: ")
    assert written_ids(sandbox_app) == before
    assert_no_secrets(text, seen.tokens)


async def test_a_wrong_secret_fails_the_token_step_and_skips_the_rest(
    sandbox_http: httpx.AsyncClient,
) -> None:
    report = await self_test(sandbox_http, connection(secret="not-the-secret"), write=True)

    token = report.steps[0]
    assert (token.name, token.status) == ("token", "failed")
    assert token.answer is not None
    assert token.answer.endswith('/0/connect/token: {"error":"invalid_client"}')
    assert all(step.status == "skipped" for step in report.steps[1:])
    assert {step.detail for step in report.steps[1:]} == {"not run: the token step failed"}
    assert "not-the-secret" not in report.text()


async def test_what_could_not_be_deleted_is_named_with_creatios_answer(
    sandbox_http: httpx.AsyncClient, sandbox_app: Litestar
) -> None:
    refusal = (
        '{"error":{"code":"","message":"An error has occurred.","innererror":{"message":"The DELETE '
        'statement conflicted with the REFERENCE constraint \\"FKCaseContactId\\"."}}}'
    )

    async def refuse_contact_deletes(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE" and "/Contact(" in request.url.path:
            return httpx.Response(500, content=refusal, headers={"Content-Type": "application/json"})
        response = await sandbox_http.send(request)
        return httpx.Response(response.status_code, headers=response.headers, content=response.content)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse_contact_deletes)) as http:
        report = await self_test(http, connection(), write=True)

    assert not report.ok
    [leftover] = report.leftovers
    contact = next(row for row in store_of(sandbox_app).rows("Contact") if row["Name"] == report.marker)
    assert (leftover.entity_set, leftover.id) == ("Contact", contact["Id"])
    assert leftover.problem.startswith(f"HTTP 500 to DELETE {report.odata_root}/Contact({contact['Id']}): ")
    assert "FKCaseContactId" in leftover.problem
    text = report.text()
    assert f"Left in Creatio: delete these by hand:\n  Contact {contact['Id']} (HTTP 500" in text
    assert f"could not delete Contact {contact['Id']}" in text
    assert not [row for row in store_of(sandbox_app).rows("Case") if row["Subject"] == report.marker]
