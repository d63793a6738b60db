"""The self-test's recorder: Creatio's answers kept for the report, with every secret seen cut out."""

from __future__ import annotations

import httpx

from app.crm_connection.recorded_http import MAX_BODY_CHARS, AnswerRecorder


async def test_answers_are_recorded_without_any_secret_that_went_by() -> None:
    async def creatio(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/connect/token":
            return httpx.Response(200, json={"access_token": "issued-token-1", "expires_in": 3600})
        echoed = f"token {request.headers['authorization']} and secret client-secret-9 refused"
        return httpx.Response(400, json={"error": {"message": echoed}})

    recorder = AnswerRecorder(("client-secret-9",))
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(creatio)) as inner,
        recorder.client(inner) as http,
    ):
        await http.post("https://creatio.test/connect/token", data={"client_secret": "client-secret-9"})
        await http.get("https://creatio.test/0/odata/Case?$top=1", headers={"Authorization": "Bearer sent-2"})

    token, case = recorder.answers
    assert token.body == '{"access_token":"[redacted]","expires_in":3600}'
    assert case.describe() == (
        'HTTP 400 to GET https://creatio.test/0/odata/Case: {"error":{"message":"token Bearer [redacted] '
        'and secret [redacted] refused"}}'
    )
    assert recorder.redact("issued-token-1 sent-2") == "[redacted] [redacted]"


async def test_a_batch_answer_shows_its_failed_parts_and_a_long_body_is_cut() -> None:
    parts = [{"id": "1", "status": 201, "body": {"Id": "x"}}, {"id": "2", "status": 400, "body": {"e": "no"}}]

    async def creatio(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("$batch"):
            return httpx.Response(200, json={"responses": parts})
        return httpx.Response(500, text="x" * (MAX_BODY_CHARS + 10))

    recorder = AnswerRecorder()
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(creatio)) as inner,
        recorder.client(inner) as http,
    ):
        await http.post("https://creatio.test/0/odata/$batch", json={})
        await http.get("https://creatio.test/0/odata/Case")

    batch, long = recorder.answers
    assert batch.body == '{"responses (failed only)":[{"id":"2","status":400,"body":{"e":"no"}}]}'
    assert long.body == "x" * MAX_BODY_CHARS + "… (10 more characters)"
