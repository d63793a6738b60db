import json
import time
from datetime import datetime

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import select

from app.db.tables import ConversationRow, InboundEventRow, JobRow, MessageRow
from app.web.services import WebServices
from tests.support.events import CHAT_SECRET, handoff, message, resolved, signed

Client = AsyncTestClient[Litestar]


def _services(client: Client) -> WebServices:
    services: WebServices = client.app.state.services
    return services


async def _rows(client: Client, table: type) -> list:  # type: ignore[type-arg]
    async with _services(client).sessions() as session:
        return list((await session.exec(select(table))).all())


async def _post(client: Client, event: dict, **kwargs: object) -> object:  # type: ignore[type-arg]
    body, headers = signed(event, **kwargs)  # type: ignore[arg-type]
    return await client.post("/api/v1/events", content=body, headers=headers)


async def test_accepts_stores_and_enqueues_one_sync(intake_client: Client) -> None:
    response = await _post(intake_client, message("conv_1", "m1", "My invoice is wrong"))
    assert response.status_code == 202  # type: ignore[attr-defined]
    assert response.json() == {"status": "accepted", "id": "evt_conv_1_m1"}  # type: ignore[attr-defined]
    [conv] = await _rows(intake_client, ConversationRow)
    assert (conv.external_id, conv.customer_email, conv.url) == (
        "conv_1",
        "ada@example.com",
        "https://chat.example/inbox/conv_1",
    )
    [msg] = await _rows(intake_client, MessageRow)
    assert (msg.author, msg.text) == ("customer", "My invoice is wrong")
    [job] = await _rows(intake_client, JobRow)
    assert (job.kind, json.loads(job.payload)) == ("sync_conversation", {"conversation_id": str(conv.id)})


async def test_repeat_is_200_and_changes_nothing(intake_client: Client) -> None:
    event = message("conv_1", "m1", "hello")
    first = await _post(intake_client, event)
    again = await _post(intake_client, event)
    assert (first.status_code, again.status_code) == (202, 200)  # type: ignore[attr-defined]
    assert again.json()["status"] == "duplicate"  # type: ignore[attr-defined]
    assert len(await _rows(intake_client, MessageRow)) == 1
    assert len(await _rows(intake_client, InboundEventRow)) == 1


async def test_a_chat_message_id_never_takes_the_place_of_a_handoff(intake_client: Client) -> None:
    """Handoff summaries used to be stored as message `handoff:<event id>`: a chat message with that id
    made the handoff a "duplicate", silently dropped (found by fuzzing)."""
    first = await _post(intake_client, message("conv_1", "handoff:evt_h1", "hello"))
    second = await _post(intake_client, handoff("conv_1", "Wants a refund", event_id="evt_h1"))
    assert (first.status_code, second.status_code) == (202, 202)  # type: ignore[attr-defined]
    stored = {(m.author, m.external_id) for m in await _rows(intake_client, MessageRow)}
    assert stored == {("customer", "handoff:evt_h1"), ("handoff", "handoff evt_h1")}
    [conv] = await _rows(intake_client, ConversationRow)
    assert conv.handoff_summary == "Wants a refund"


async def test_burst_of_events_coalesces_into_one_queued_sync(intake_client: Client) -> None:
    for n in range(5):
        await _post(intake_client, message("conv_1", f"m{n}", f"text {n}", t=n))
    await _post(intake_client, handoff("conv_1", "Wants a refund"))
    assert len(await _rows(intake_client, MessageRow)) == 6  # five messages and the handoff summary
    assert len(await _rows(intake_client, JobRow)) == 1


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "missing Casebridge-Signature header"),
        ("garbage", "malformed Casebridge-Signature header"),
        ("t=1,v1=abc", "away from our clock"),
        # Found by fuzzing: each of these used to end in a 500 before any secret was needed.
        ("t=" + "9" * 400 + ",v1=ab", "malformed Casebridge-Signature header"),
        ("t=" + "9" * 5000 + ",v1=ab", "malformed Casebridge-Signature header"),
        (f"t={int(time.time())},v1=not-hex", "malformed Casebridge-Signature header"),
    ],
)
async def test_bad_signatures_are_401_and_store_nothing(
    intake_client: Client, header: str | None, detail: str
) -> None:
    body, headers = signed(message("conv_1", "m1", "hi"))
    headers.pop("Casebridge-Signature")
    if header is not None:
        headers["Casebridge-Signature"] = header
    response = await intake_client.post("/api/v1/events", content=body, headers=headers)
    assert response.status_code == 401
    assert detail in response.json()["detail"]
    assert await _rows(intake_client, InboundEventRow) == []


async def test_wrong_secret_and_stale_timestamp_are_refused(intake_client: Client) -> None:
    wrong = await _post(intake_client, message("c", "m", "x"), secret="not-the-secret")
    stale = await _post(intake_client, message("c", "m", "x"), timestamp=int(time.time()) - 301)
    assert wrong.status_code == stale.status_code == 401  # type: ignore[attr-defined]
    assert "does not match" in wrong.json()["detail"]  # type: ignore[attr-defined]
    assert CHAT_SECRET not in wrong.text  # type: ignore[attr-defined]


async def test_validation_errors_are_listed_field_by_field(intake_client: Client) -> None:
    event = message("conv_1", "m1", "")
    event["message"]["author"] = "robot"
    event["occurred_at"] = "2026-11-28T10:00:00"  # no timezone
    response = await _post(intake_client, event)
    assert response.status_code == 400  # type: ignore[attr-defined]
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}  # type: ignore[attr-defined]
    assert errors == {
        "occurred_at": "Input should have timezone info",
        "message.author": "Input should be 'customer' or 'ai'",
        "message.text": "String should have at least 1 character",
    }


async def test_dates_outside_the_calendar_in_utc_and_nul_characters_are_400(intake_client: Client) -> None:
    """Both used to pass validation and fail the store with a 500 (found by fuzzing); PostgreSQL cannot
    store U+0000 in text at all."""
    event = message("conv_1", "m1", "hi\u0000there")
    event["message"]["sent_at"] = "0001-01-01T00:00:00+05:00"
    event["occurred_at"] = "9999-12-31T23:59:59-05:00"
    event["conversation"]["customer"]["name"] = "Ada\u0000"
    response = await _post(intake_client, event)
    assert response.status_code == 400  # type: ignore[attr-defined]
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}  # type: ignore[attr-defined]
    outside = "Value error, falls outside years 1-9999 once converted to UTC: send a date within that range"
    nul = "Value error, contains a NUL character (\\u0000), which cannot be stored: remove it"
    assert errors == {
        "occurred_at": outside,
        "message.sent_at": outside,
        "message.text": nul,
        "conversation.customer.name": nul,
    }
    assert await _rows(intake_client, InboundEventRow) == []


async def test_times_are_kept_as_the_same_instant_in_utc(intake_client: Client) -> None:
    event = message("conv_1", "m1", "hi")
    event["message"]["sent_at"] = "0001-01-01T05:00:00+05:00"  # the first instant there is, in UTC
    assert (await _post(intake_client, event)).status_code == 202  # type: ignore[attr-defined]
    [msg] = await _rows(intake_client, MessageRow)
    assert msg.sent_at.replace(tzinfo=None) == datetime(1, 1, 1)


async def test_unknown_type_and_malformed_json_are_explained(intake_client: Client) -> None:
    unknown = await _post(intake_client, {"id": "e", "type": "conversation.exploded"})
    assert unknown.status_code == 400  # type: ignore[attr-defined]
    assert "conversation.exploded" in unknown.json()["errors"][0]["message"]  # type: ignore[attr-defined]
    body = b"{not json"
    from app.domain.signature import sign

    broken = await intake_client.post(
        "/api/v1/events", content=body, headers={"Casebridge-Signature": sign(CHAT_SECRET, body)}
    )
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["field"] == "(body)"


async def test_body_over_256_kib_is_413(intake_client: Client) -> None:
    response = await _post(intake_client, message("conv_1", "m1", "x" * 270_000))
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "larger than 256 KiB" in response.json()["detail"]  # type: ignore[attr-defined]


async def _through_asgi(
    client: Client,
    scope_type: str,
    headers: list[tuple[bytes, bytes]],
    messages: list[dict],  # type: ignore[type-arg]
) -> list[dict]:  # type: ignore[type-arg]
    """Calls the app as a server would, with these messages to receive; what it sent back."""
    sent: list[dict] = []  # type: ignore[type-arg]
    last = {"type": "http.disconnect"} if scope_type == "http" else {"type": "websocket.disconnect"}

    async def receive() -> dict:  # type: ignore[type-arg]
        return messages.pop(0) if messages else last

    async def send(message: dict) -> None:  # type: ignore[type-arg]
        sent.append(message)

    scope = {
        "type": scope_type,
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http" if scope_type == "http" else "ws",
        "path": "/api/v1/events",
        "raw_path": b"/api/v1/events",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "subprotocols": [],
        "state": {},
    }
    if scope_type != "http":
        del scope["method"]
    await client.app(scope, receive, send)  # type: ignore[arg-type]
    return sent


async def _post_in_chunks(
    client: Client, body: bytes, headers: dict[str, str], size: int, *, hang_up: bool = False
) -> tuple[int | None, dict]:  # type: ignore[type-arg]
    """As a server passes a chunked upload: no Content-Length, the body in parts."""
    parts = [body[start : start + size] for start in range(0, len(body), size)]
    messages = [
        {"type": "http.request", "body": part, "more_body": hang_up or n < len(parts) - 1}
        for n, part in enumerate(parts)
    ]
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items() if k.lower() != "content-length"]
    sent = await _through_asgi(client, "http", raw, messages)
    if not sent:
        return None, {}
    return sent[0]["status"], json.loads(b"".join(m.get("body", b"") for m in sent[1:]))


async def test_streamed_body_is_cut_off_past_256_kib(intake_client: Client) -> None:
    """Without a Content-Length the limit holds on the bytes as they arrive."""
    body, headers = signed(message("conv_1", "m1", "x" * 270_000))
    status, answer = await _post_in_chunks(intake_client, body, headers, 16_384)
    assert (status, answer["status_code"]) == (413, 413)
    assert await _rows(intake_client, InboundEventRow) == []


async def test_streamed_body_within_the_limit_is_accepted(intake_client: Client) -> None:
    body, headers = signed(message("conv_1", "m1", "y" * 100_000))
    status, answer = await _post_in_chunks(intake_client, body, headers, 1000)
    assert (status, answer["status"]) == (202, "accepted")
    [msg] = await _rows(intake_client, MessageRow)
    assert msg.text == "y" * 100_000


async def test_client_hanging_up_mid_body_stores_nothing(intake_client: Client) -> None:
    body, headers = signed(message("conv_1", "m1", "z" * 5000))
    status, _ = await _post_in_chunks(intake_client, body[:3000], headers, 1000, hang_up=True)
    assert status is None  # no one left to answer
    assert await _rows(intake_client, InboundEventRow) == []


@pytest.mark.parametrize(
    "header",
    [
        b"t=\xb2,v1=ab",  # latin-1 "\u00b2" is a digit to str.isdigit, not to int()
        f"t={int(time.time())},v1=".encode() + b"\xe9",  # non-ASCII, which compare_digest refuses
    ],
)
async def test_non_ascii_signature_bytes_are_401(intake_client: Client, header: bytes) -> None:
    """Raw header bytes as a server passes them (the test client would re-encode them as UTF-8)."""
    body, _ = signed(message("conv_1", "m1", "hi"))
    request = [{"type": "http.request", "body": body, "more_body": False}]
    sent = await _through_asgi(intake_client, "http", [(b"casebridge-signature", header)], request)
    assert sent[0]["status"] == 401
    assert b"malformed Casebridge-Signature header" in sent[1]["body"]
    assert await _rows(intake_client, InboundEventRow) == []


async def test_other_methods_are_405_with_allow(intake_client: Client) -> None:
    response = await intake_client.get("/api/v1/events")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "use POST" in response.json()["detail"]


async def test_intake_is_counted_in_metrics_and_documented(intake_client: Client) -> None:
    await _post(intake_client, message("conv_1", "m1", "hello"))
    await intake_client.post("/api/v1/events", content=b"{}")
    metrics = (await intake_client.get("/metrics")).text
    assert 'casebridge_http_requests_total{method="POST",route="/api/v1/events",status="202"} 1.0' in metrics
    assert 'casebridge_http_requests_total{method="POST",route="/api/v1/events",status="401"} 1.0' in metrics
    schema = (await intake_client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/events"]["post"]
    assert set(operation["responses"]) == {"200", "202", "400", "401", "405", "413"}
    variants = operation["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    assert {"$ref": "#/components/schemas/ChatEvent.MessageCreated"} in variants
    assert "message" in schema["components"]["schemas"]["ChatEvent.MessageCreated"]["properties"]


async def test_out_of_order_resolution_and_reopen_by_customer(intake_client: Client) -> None:
    await _post(intake_client, resolved("conv_1", t=50))
    await _post(intake_client, message("conv_1", "m_early", "sent before resolving", t=10))
    [conv] = await _rows(intake_client, ConversationRow)
    assert conv.status == "resolved"  # an earlier message arriving late does not reopen
    await _post(intake_client, message("conv_1", "m_late", "still broken", t=60))
    [conv] = await _rows(intake_client, ConversationRow)
    assert conv.status == "open"


async def test_a_websocket_to_the_intake_route_is_refused(intake_client: Client) -> None:
    sent = await _through_asgi(intake_client, "websocket", [], [{"type": "websocket.connect"}])
    assert [(m["type"], m.get("code")) for m in sent] == [("websocket.close", 1008)]
