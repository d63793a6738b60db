"""`casebridge creatio check [--write]` against the sandbox on loopback, through the connection saved in the
database: a line per step, nothing left behind, the exit status, and no secret or token in what it prints."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from litestar import Litestar

from app.cli.main import main
from app.db.crypto import SecretBox
from app.db.engine import create_engine, create_session_factory, upgrade_to_head
from app.db.stores.crm_connection import ConnectionStore
from app.domain.creatio_platforms import CreatioPlatform
from app.sandbox import SandboxConfig, create_sandbox_app
from tests.support.casebridge import (
    BOTH_PLATFORMS,
    sandbox_connection,
    written_ids,
)
from tests.support.sandbox import served

CLIENT, READ_ONLY, SECRET = "casebridge-cli", "casebridge-cli-reader", "cli-check-secret"
KEY = SecretBox.generate_key()


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEBRIDGE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CASEBRIDGE_SECRET_KEY", KEY)
    for name in ("CASEBRIDGE_DATABASE_URL", "CASEBRIDGE_CREATIO_INSTANCE_URL", "CASEBRIDGE_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)


def sandbox(platform: CreatioPlatform = "netframework") -> Litestar:
    clients = {CLIENT: SECRET, READ_ONLY: SECRET}
    return create_sandbox_app(
        SandboxConfig(clients=clients, read_only_clients=[READ_ONLY], platform=platform)
    )


def save_connection(tmp_path: Path, url: str, client_id: str) -> None:
    settings = sandbox_connection(url, client_id, SECRET)

    async def save() -> None:
        (tmp_path / "var").mkdir(exist_ok=True)
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'var' / 'casebridge.db'}")
        await upgrade_to_head(engine)
        await ConnectionStore(create_session_factory(engine), SecretBox(KEY)).save(settings, verified=True)
        await engine.dispose()

    asyncio.run(save())


def assert_nothing_secret(output: str) -> None:
    assert SECRET not in output
    assert KEY not in output
    assert "eyJ" not in output  # the start of every token the sandbox issues (a JWT)
    assert "Bearer" not in output
    assert "Authorization" not in output


@BOTH_PLATFORMS
def test_write_passes_and_leaves_nothing_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], creatio_platform: CreatioPlatform
) -> None:
    app = sandbox(creatio_platform)
    before = written_ids(app)
    with served(app) as url:
        save_connection(tmp_path, url, CLIENT)
        status = main(["creatio", "check", "--write"])

    out, err = capsys.readouterr()
    assert status == 0, out
    lines = out.splitlines()
    assert lines[0] == "Connection: the one saved by Test & Save"
    when = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    marked = r'\(with writes, marked "Casebridge self-test \1"\)'
    header = rf"Casebridge self-test of {re.escape(url)} at ({when}) {marked}"
    assert re.fullmatch(header, lines[1]), lines[1]
    root = "/odata" if creatio_platform == "netcore" else "/0/odata"
    assert lines[2] == f"OData root: {url}{root}"
    steps = lines[3:-1]
    assert len(steps) == 13
    assert all(line.startswith("PASS  ") and " ms  " in line for line in steps)
    assert any(line.startswith("PASS  $batch create ") for line in steps)
    assert lines[-1] == "PASSED: 13 steps, 0 failed, 0 skipped"
    assert written_ids(app) == before
    assert_nothing_secret(out + err)


def test_read_only_passes_with_a_client_that_may_not_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = sandbox()
    before = written_ids(app)
    with served(app) as url:
        save_connection(tmp_path, url, READ_ONLY)
        status = main(["creatio", "check"])

    out, err = capsys.readouterr()
    assert status == 0, out
    skipped = [line for line in out.splitlines() if line.startswith("SKIP  ")]
    assert [line.split("  ")[1] for line in skipped] == [
        "$batch create",
        "PATCH case status",
        "test records deleted",
    ]
    assert all(
        line.endswith("not run: it writes to Creatio (run `casebridge creatio check --write`)")
        for line in skipped
    )
    assert out.splitlines()[-1] == "PASSED: 13 steps, 0 failed, 3 skipped"
    assert written_ids(app) == before
    assert_nothing_secret(out + err)


def test_a_refused_write_fails_with_creatios_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = sandbox()
    with served(app) as url:
        save_connection(tmp_path, url, READ_ONLY)
        status = main(["creatio", "check", "--write"])

    out, err = capsys.readouterr()
    assert status == 1
    lines = out.splitlines()
    failed = next(i for i, line in enumerate(lines) if line.startswith("FAIL  $batch create "))
    assert "Creatio answered 403 to POST Contact in $batch." in lines[failed]
    assert lines[failed + 1].startswith(f"      Creatio answered: HTTP 200 to POST {url}/0/odata/$batch: ")
    assert '"status":403' in lines[failed + 1]
    assert lines[-1] == "FAILED: 13 steps, 1 failed, 2 skipped"
    assert_nothing_secret(out + err)


def test_without_a_saved_connection_nothing_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["creatio", "check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("No Creatio connection to check: no database at ")


def test_with_none_saved_the_environments_seed_is_checked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sandbox()
    with served(app) as url:
        monkeypatch.setenv("CASEBRIDGE_CREATIO_INSTANCE_URL", url)
        monkeypatch.setenv("CASEBRIDGE_CREATIO_CLIENT_ID", READ_ONLY)
        monkeypatch.setenv("CASEBRIDGE_CREATIO_CLIENT_SECRET", SECRET)
        status = main(["creatio", "check"])

    out = capsys.readouterr().out
    assert status == 0, out
    assert out.startswith("Connection: from the CASEBRIDGE_CREATIO_* environment variables\n")
    assert "SKIP  owner lookup by name" in out  # the seed sets no default owner
    assert_nothing_secret(out)
