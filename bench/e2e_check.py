"""After an end-to-end run: every conversation synced, one resolved case each, and each case holding
exactly the activities Casebridge stored for it (messages, the handoff summary, the auto-fill note)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from bench.servers import ADMIN_TOKEN, RESOLVED_STATUS

HANDOFF_TITLE = "Handoff to a human:"
NOTE_TITLE = "AI field auto-fill:"
PAGE = 200
JOB_STATES = ("done", "dead", "queued", "running")


async def admin_pages(http: httpx.AsyncClient, path: str, **params: str) -> list[dict[str, Any]]:
    """Every row of a paged admin list (`limit`/`offset`)."""
    rows: list[dict[str, Any]] = []
    while True:
        query = params | {"limit": str(PAGE), "offset": str(len(rows))}
        page = (await http.get(path, params=query)).raise_for_status().json()
        rows += page
        if len(page) < PAGE:
            return rows


async def job_counts(casebridge: httpx.AsyncClient) -> dict[str, int]:
    """Jobs per state, from the admin API."""
    return {s: len(await admin_pages(casebridge, "/api/v1/admin/jobs", state=s)) for s in JOB_STATES}


async def get_all(http: httpx.AsyncClient, paths: list[str], limit: int = 16) -> list[dict[str, Any] | None]:
    """The JSON of each path (None unless 200), `limit` requests at a time, in order."""
    slots = asyncio.Semaphore(limit)

    async def one(path: str) -> dict[str, Any] | None:
        async with slots:
            response = await http.get(path)
        return response.json() if response.status_code == 200 else None

    return list(await asyncio.gather(*(one(path) for path in paths)))


def _case_matches(detail: dict[str, Any], case: dict[str, Any] | None) -> bool:
    """Resolved, and one activity per message Casebridge stored, handoff summary included."""
    if case is None or str(case["case"]["StatusId"]) != RESOLVED_STATUS:
        return False
    titles = [str(a.get("Title", "")) for a in case["activities"]]
    return len(titles) == len(detail["messages"]) and any(t.startswith(HANDOFF_TITLE) for t in titles)


def _count_titled(cases: list[dict[str, Any]], prefix: str) -> int:
    return sum(any(str(a.get("Title", "")).startswith(prefix) for a in c["activities"]) for c in cases)


async def verify(casebridge_url: str, sandbox_url: str, expected: int, activities: int) -> dict[str, Any]:
    """Compare what Casebridge stored with what the sandbox holds, and with `activities` per case (every
    message, the handoff summary and, with field mappings, the auto-fill note); `ok` when all match."""
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with (
        httpx.AsyncClient(base_url=casebridge_url, headers=auth, timeout=60) as casebridge,
        httpx.AsyncClient(base_url=sandbox_url, timeout=60) as sandbox,
    ):
        conversations = await admin_pages(casebridge, "/api/v1/admin/conversations")
        jobs = await job_counts(casebridge)
        paths = [f"/api/v1/admin/conversations/{c['id']}" for c in conversations]
        details = [d for d in await get_all(casebridge, paths) if d is not None]
        cases = await get_all(sandbox, [f"/__sandbox/cases/{d['conversation']['case_id']}" for d in details])
    found = [c for c in cases if c is not None]
    authors = Counter(m["author"] for d in details for m in d["messages"])
    report: dict[str, Any] = {
        "conversations": len(conversations),
        "synced": sum(c["sync_state"] == "synced" for c in conversations),
        "resolved_conversations": sum(c["status"] == "resolved" for c in conversations),
        "cases": len({c["case"]["Id"] for c in found}),
        "resolved_cases": sum(str(c["case"]["StatusId"]) == RESOLVED_STATUS for c in found),
        "activities_per_case": dict(sorted(Counter(str(len(c["activities"])) for c in found).items())),
        "expected_activities_per_case": activities,
        "handoff_summaries": _count_titled(found, HANDOFF_TITLE),
        "autofill_notes": _count_titled(found, NOTE_TITLE),
        "stored_messages_by_author": dict(sorted(authors.items())),
        "cases_matching_casebridge": sum(_case_matches(d, c) for d, c in zip(details, cases, strict=True)),
        "jobs": jobs,
    }
    keys = ("conversations", "synced", "resolved_conversations", "cases", "resolved_cases")
    report["ok"] = (
        all(report[key] == expected for key in keys)
        and report["handoff_summaries"] == expected
        and report["activities_per_case"] == {str(activities): expected}
        and report["cases_matching_casebridge"] == expected
        and jobs["dead"] == 0
    )
    return report
