"""GET /api/v1/admin/conversations/{id}: by Casebridge's id or by the chat platform's."""

from __future__ import annotations

from urllib.parse import quote
from uuid import uuid4

import pytest

from tests.support.casebridge import Client, post
from tests.support.events import message


async def detail(client: Client, reference: str) -> dict[str, object]:
    response = await client.get(f"/api/v1/admin/conversations/{quote(reference, safe='')}")
    assert response.status_code == 200, response.text
    conversation: dict[str, object] = response.json()["conversation"]
    return conversation


@pytest.mark.parametrize("chat_id", ["conv_42", "6f1c0b7e-2d4a-4c1e-9a7b-3f5e8d2c1a90", "team/7/conv?x=1#2"])
async def test_one_conversation_by_either_id(synced_client: Client, chat_id: str) -> None:
    await post(synced_client, message(chat_id, "m1", "Hello"))
    by_chat_id = await detail(synced_client, chat_id)
    assert by_chat_id["external_id"] == chat_id

    by_own_id = await detail(synced_client, str(by_chat_id["id"]))
    assert by_own_id == by_chat_id


async def test_neither_id_is_a_404_that_says_what_was_looked_for(synced_client: Client) -> None:
    await post(synced_client, message("conv_42", "m1", "Hello"))
    for reference in ("conv_43", str(uuid4())):
        response = await synced_client.get(f"/api/v1/admin/conversations/{reference}")
        assert response.status_code == 404
        assert reference in response.json()["detail"]
        assert "chat platform's conversation id" in response.json()["detail"]


async def test_it_still_needs_the_admin_token(synced_client: Client) -> None:
    await post(synced_client, message("conv_42", "m1", "Hello"))
    response = await synced_client.get("/api/v1/admin/conversations/conv_42", headers={"Authorization": ""})
    assert response.status_code == 401
