"""`make run` end to end (a real process): replies and resolutions reach the dev inbox once, both paths."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from app.cli.send_events import demo_conversation, send
from app.settings import Settings
from tests.support.processes import eventually, free_port, start, stop, wait_until_serving


def test_make_run_delivers_replies_and_resolutions_with_and_without_the_webhook(tmp_path: Path) -> None:
    port, sandbox_port, data_dir = free_port(), free_port(), tmp_path / "var"
    env = {"CASEBRIDGE_DATA_DIR": str(data_dir), "CASEBRIDGE_RECONCILE_SECONDS": "1"}
    args = ["app.cli", "dev", "--port", str(port), "--sandbox-port", str(sandbox_port)]
    process = start(args, env | {"CASEBRIDGE_LOG_LEVEL": "WARNING"}, tmp_path / "dev.log")
    base, sandbox = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sandbox_port}"
    try:
        wait_until_serving(f"{base}/health", process)
        admin = {"Authorization": f"Bearer {(data_dir / 'admin-token').read_text().strip()}"}
        with httpx.Client(timeout=10) as http:
            eventually(lambda: http.get(f"{sandbox}/__sandbox/webhook").json()["url"], "the webhook setup")
            assert send(demo_conversation(), base, Settings(data_dir=data_dir)) == 0
            cases = eventually(lambda: http.get(f"{sandbox}/__sandbox/cases").json()["cases"], "the case")
            case_url = f"{sandbox}/__sandbox/cases/{cases[0]['Id']}"

            def inbox(n: int) -> list[dict[str, Any]]:
                entries: list[dict[str, Any]] = http.get(f"{base}/dev/chat-inbox", headers=admin).json()
                return entries if len(entries) >= n else []

            http.post(f"{case_url}/replies", json={"text": "Hi Ada, your invoice is fixed."})
            http.post(f"{case_url}/status", json={"status_name": "Resolved"})
            received = eventually(lambda: inbox(2), "the reply and the resolution")
            assert [e["body"]["type"] for e in received] == ["agent.replied", "conversation.resolved"]
            assert received[0]["body"]["message"]["text"] == "Hi Ada, your invoice is fixed."
            [conversation] = http.get(f"{base}/api/v1/admin/conversations", headers=admin).json()
            assert conversation["status"] == "resolved"

            http.put(f"{sandbox}/__sandbox/webhook", json={"url": None})  # the business process is gone
            http.post(f"{case_url}/replies", json={"text": "One more thing."})
            received = eventually(lambda: inbox(3), "the reconciliation's delivery")
            assert received[2]["body"]["message"]["text"] == "One more thing."
            time.sleep(1.5)  # another reconciliation or two: nothing more, nothing twice
            assert len(inbox(0)) == 3
            assert all(e["signature_verified"] and not e["duplicate"] for e in received)
            calls = http.get(f"{sandbox}/__sandbox/webhook/calls").json()["calls"]
            assert sorted((c["event_type"], c["status"]) for c in calls) == [
                ("case_updated", 202),
                ("new_activity", 202),
            ]
    finally:
        stop(process)
    assert "Traceback" not in (tmp_path / "dev.log").read_text()


def test_make_run_prints_its_banner_after_start_up_has_logged(tmp_path: Path) -> None:
    port, sandbox_port, log = free_port(), free_port(), tmp_path / "dev.log"
    args = ["app.cli", "dev", "--port", str(port), "--sandbox-port", str(sandbox_port)]
    process = start(args, {"CASEBRIDGE_DATA_DIR": str(tmp_path / "var"), "CASEBRIDGE_LOG_LEVEL": "INFO"}, log)
    try:
        eventually(lambda: "Admin token" in log.read_text(), "the banner")
        time.sleep(0.3)  # what start-up would still log after the banner
    finally:
        stop(process)
    output = log.read_text()
    banner = output.index("\nCasebridge   http://")
    before, after = output[:banner], output[banner:]
    assert before.count("Application startup complete.") == 2  # Casebridge's and the sandbox's
    assert "sandbox business process calls the Casebridge webhook" in before
    assert "Started server process" not in after
    shown = after.split("Creatio to chat:")[0]
    assert '{"time"' not in shown  # no log line inside the banner
