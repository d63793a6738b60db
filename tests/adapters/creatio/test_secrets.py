"""The client secret and access tokens never show up in repr, str, error messages or logs."""

from __future__ import annotations

import logging
from uuid import UUID

import httpx
import pytest

from app.adapters.creatio import CreatioClient, CreatioError
from tests.support.fake_creatio import (
    SECRET,
    TOKEN_PREFIX,
    FakeCreatio,
    connection,
    creatio_error,
    json_response,
)

CASE_ID = UUID("0b7f1c52-2c6a-4f4e-9a4e-0d5c2b1f7a10")


def flaky_odata(request: httpx.Request) -> httpx.Response:
    """401 for the first token, then a mix of answers depending on the path."""
    if request.headers["authorization"].endswith("-1"):
        return httpx.Response(401)
    if request.method == "POST":
        return creatio_error(500, internal="Violation of PRIMARY KEY constraint 'PKCase'")
    if request.url.path.endswith(")"):
        return creatio_error(404, internal="Not found")
    if request.method == "PATCH":
        raise httpx.ReadTimeout("timed out", request=request)
    return creatio_error(400, internal="Bad filter")


async def test_no_secret_or_token_anywhere(
    fake: FakeCreatio, client: CreatioClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.odata = flaky_odata
    errors: list[CreatioError] = []
    calls = [
        client.get("Case", CASE_ID),
        client.list("Case", top=1),
        client.update("Case", CASE_ID, {"Subject": "x"}),
        client.create("Case", {"Id": CASE_ID, "Subject": "x"}),
    ]
    for call in calls:
        try:
            await call
        except CreatioError as exc:
            errors.append(exc)
    fake.token_handler = lambda r: json_response(400, {"error": "invalid_client", "error_description": "bad"})
    with pytest.raises(CreatioError) as info:
        await client.authenticate()
    errors.append(info.value)
    assert len(errors) == 4
    assert len(fake.tokens_issued) == 2  # the secret and two tokens were really in play

    texts = [
        caplog.text,
        repr(client),
        repr(client.token_state),
        repr(client.instance),
        str(client.instance),
    ]
    texts += [record.getMessage() for record in caplog.records]
    texts += [f"{e!s} {e!r} {e.args!r}" for e in errors]
    for text in texts:
        assert SECRET not in text
        assert TOKEN_PREFIX not in text
    assert any("Creatio token request" in r.getMessage() for r in caplog.records)


async def test_repr_of_internal_objects_hides_the_token(fake: FakeCreatio, http: httpx.AsyncClient) -> None:
    client = CreatioClient(connection(), http)
    await client.authenticate()
    inner = vars(client)
    for value in inner.values():
        assert TOKEN_PREFIX not in repr(value)
        assert SECRET not in repr(value)
