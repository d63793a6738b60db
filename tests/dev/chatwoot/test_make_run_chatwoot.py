"""`make run CHAT=chatwoot` end to end (a real process): a conversation played in the Chatwoot emulator
becomes a case; the agent's reply and the resolution in the sandbox come back to Chatwoot once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from app.dev.chatwoot.dev import chatwoot_port
from tests.support.processes import eventually, free_port, start, stop, wait_until_serving


def test_make_run_with_chatwoot_runs_a_conversation_both_ways(tmp_path: Path) -> None:
    port, sandbox_port, data_dir = free_port(), free_port(), tmp_path / "var"
    args = ["app.cli", "dev", "--port", str(port), "--sandbox-port", str(sandbox_port), "--chat", "chatwoot"]
    env = {"CASEBRIDGE_DATA_DIR": str(data_dir), "CASEBRIDGE_LOG_LEVEL": "WARNING"}
    process = start(args, env, tmp_path / "dev.log")
    base, sandbox = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sandbox_port}"
    chatwoot = f"http://127.0.0.1:{chatwoot_port(sandbox_port)}/__chatwoot/conversations"
    try:
        wait_until_serving(f"{base}/health", process)
        with httpx.Client(timeout=10) as http:
            eventually(lambda: http.get(f"{sandbox}/__sandbox/webhook").json()["url"], "the webhook setup")
            for say in (
                {"content": "My invoice is wrong.", "sender": "customer"},
                {"content": "Let me check that for you.", "sender": "bot"},
            ):
                answer = http.post(f"{chatwoot}/1/messages", json=say).json()
                assert answer["casebridge_status"] == 202, answer
            assert (
                http.post(f"{chatwoot}/1/status", json={"status": "open"}).json()["casebridge_status"] == 202
            )
            cases = eventually(lambda: http.get(f"{sandbox}/__sandbox/cases").json()["cases"], "the case")
            case_url = f"{sandbox}/__sandbox/cases/{cases[0]['Id']}"
            http.post(f"{case_url}/replies", json={"text": "Hi Ada, your invoice is fixed."})
            http.post(f"{case_url}/status", json={"status_name": "Resolved"})

            def resolved() -> dict[str, Any] | None:
                conversation: dict[str, Any] = http.get(chatwoot).json()["1"]
                return conversation if conversation["status"] == "resolved" else None

            conversation = eventually(resolved, "the reply and the resolution in Chatwoot")
            time.sleep(1.0)  # the echoes of both came back meanwhile: nothing more may follow
            conversation = http.get(chatwoot).json()["1"]
            senders = [(m["sender"], m["content"]) for m in conversation["messages"]]
            assert senders == [
                ("customer", "My invoice is wrong."),
                ("bot", "Let me check that for you."),
                ("casebridge", "Hi Ada, your invoice is fixed."),
            ]
            activities = http.get(case_url).json()["activities"]
            assert sum("your invoice is fixed" in str(a) for a in activities) == 1  # the reply, no echo
    finally:
        stop(process)
    assert "Traceback" not in (tmp_path / "dev.log").read_text()
