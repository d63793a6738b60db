"""Settings > Ticketing > Creatio, *Check write access*: the live self-test of the saved connection, run only
after a confirmation, with each step's result on the page, nothing left in Creatio and no secret shown."""

from __future__ import annotations

import re

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import Adapters, create_app
from app.sandbox.ids import SandboxIds
from app.settings import Settings
from tests.support.casebridge import (
    BOTH_PLATFORMS,
    SANDBOX_CLIENT_ID,
    SANDBOX_SECRET,
    SANDBOX_URL,
    Client,
    store_of,
    written_ids,
)
from tests.support.console import form_token, login

PAGE = "/console/settings/creatio"
CHECK = f"{PAGE}/check"


def assert_no_secrets(html: str) -> None:
    assert SANDBOX_SECRET not in html
    assert "eyJ" not in html  # the start of every token the sandbox issues (a JWT)
    assert "Bearer" not in html


async def test_the_button_sits_next_to_test_and_save_and_asks_before_writing(
    admin: Client, sandbox_app: Litestar
) -> None:
    page = await admin.get(PAGE)
    assert re.search(
        r'value="save" class="primary">Test &amp; Save</button>.*?<button type="submit" '
        r'formaction="/console/settings/creatio/check" formnovalidate',
        page.text,
        re.DOTALL,
    )
    before = written_ids(sandbox_app)

    confirm = await admin.post(CHECK, data={"csrf_token": await form_token(admin, PAGE), "action": "save"})

    assert confirm.status_code == 200
    assert "Check write access of the saved connection?" in confirm.text
    assert '<input type="hidden" name="confirm" value="yes">' in confirm.text
    assert "Write access check" not in confirm.text  # nothing ran yet
    assert written_ids(sandbox_app) == before
    assert store_of(sandbox_app).stats.batches == 0


@BOTH_PLATFORMS
async def test_confirmed_it_runs_every_step_and_leaves_nothing_behind(
    admin: Client, sandbox_app: Litestar
) -> None:
    before = written_ids(sandbox_app)

    response = await admin.post(CHECK, data={"csrf_token": await form_token(admin, PAGE), "confirm": "yes"})

    assert response.status_code == 200
    html = response.text
    assert "Write access check passed" in html
    rows = re.findall(r'<tr class="check-(\w+)">', html)
    assert rows == ["passed"] * 2 + ["skipped"] + ["passed"] * 10  # no default owner is saved
    assert "no default case owner is saved: nothing to look up" in html
    for step in (
        "token",
        "$batch create",
        "PATCH case status",
        "reconciliation poll",
        "test records deleted",
    ):
        assert f'<th scope="row" data-label="Step">{step}</th>' in html
    assert "records marked <em>Casebridge self-test 20" in html
    assert "PASSED: 13 steps, 0 failed, 1 skipped" in html  # the text for a bug report
    assert store_of(sandbox_app).stats.batches == 1
    assert written_ids(sandbox_app) == before
    assert_no_secrets(html)


async def test_a_failed_step_shows_creatios_answer(admin: Client, sandbox_app: Litestar) -> None:
    # The default owner saved by Test & Save is deleted in Creatio afterwards: the case cannot point at it.
    fields = {"instance_url": SANDBOX_URL, "client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_SECRET}
    fields |= {"default_owner": str(SandboxIds.AGENT_3_CONTACT), "action": "save"}
    saved = await admin.post(PAGE, data=fields | {"csrf_token": await form_token(admin, PAGE)})
    assert "saved and active" in saved.text
    store_of(sandbox_app).tables.delete("Contact", SandboxIds.AGENT_3_CONTACT)
    before = written_ids(sandbox_app)

    response = await admin.post(CHECK, data={"csrf_token": await form_token(admin, PAGE), "confirm": "yes"})

    assert response.status_code == 200
    html = response.text
    assert "Write access check failed" in html
    owner = html.index('data-label="Step">owner lookup by name</th>')
    assert html.rfind('<tr class="check-failed">', 0, owner) > html.rfind(
        '<tr class="check-passed">', 0, owner
    )
    assert f"the saved default case owner {SandboxIds.AGENT_3_CONTACT} is not a Contact record" in html
    assert '<span class="hint-label">Creatio answered:</span>' in html
    assert "FOREIGN KEY constraint" in html  # the $batch's create of the case, refused by Creatio
    assert written_ids(sandbox_app) == before
    assert_no_secrets(html)


async def test_without_a_confirmation_token_nothing_runs(admin: Client, sandbox_app: Litestar) -> None:
    response = await admin.post(CHECK, data={"confirm": "yes"})

    assert response.status_code == 403
    assert store_of(sandbox_app).stats.batches == 0


async def test_with_no_connection_saved_there_is_nothing_to_check(
    settings: Settings, sandbox_http: httpx.AsyncClient
) -> None:
    async with AsyncTestClient(app=create_app(settings, Adapters(creatio_http=sandbox_http))) as client:
        await login(client)
        page = await client.get(PAGE)
        assert "Check write access" not in page.text
        response = await client.post(
            CHECK, data={"csrf_token": await form_token(client, PAGE), "confirm": "yes"}
        )

    assert response.status_code == 409
    assert "No Creatio connection is saved yet: Test &amp; Save one first." in response.text
