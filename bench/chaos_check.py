"""The correctness check of a chaos run, from the sandbox's own data (what Creatio would hold), compared
with what the chat platform sent (bench/chaos_script.py), never with what Casebridge says it did.

Every case is traced back to its conversation by the markers in its message activities. Then, per
conversation: exactly one case (none in handoff-only mode when there was no handoff); every message
once, as an activity dated by its `sent_at` (so in sent order) and nothing else; the handoff applied
(its summary once, the auto-fill note once, the default group, in handoff-only mode the summary as the
case's Symptoms); the resolution applied (the Resolved status exactly when the conversation was
resolved); one contact per customer, the case's. Beside it, from the jobs table: no dead job, nothing
left queued or running.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from bench.chaos_script import EMAIL_DOMAIN, MARKER, Expected, Script
from bench.e2e_check import HANDOFF_TITLE, NOTE_TITLE, get_all
from bench.servers import FIRST_LINE_GROUP, RESOLVED_STATUS, SANDBOX_CLIENT_ID, SANDBOX_SECRET

EXAMPLES = 5


@dataclass
class Item:
    """One line of the check: what was expected, what was found, and a few examples of what failed."""

    name: str
    expected: int
    found: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.found == self.expected and not self.failures

    def fail(self, example: str) -> None:
        self.failures.append(example)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "expected": self.expected,
            "found": self.found,
            "ok": self.ok,
            "failures": len(self.failures),
            "examples": self.failures[:EXAMPLES],
        }


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class CaseView:
    case: dict[str, Any]
    activities: list[dict[str, Any]]

    def messages(self) -> list[tuple[str, datetime]]:
        """(marker, StartDate) of every activity that is a chat message, oldest first."""
        found = []
        for a in self.activities:
            match = MARKER.search(str(a.get("DetailedResult") or ""))
            if match:
                found.append((f"{match.group(1)}#m{match.group(2)}", _time(str(a["StartDate"]))))
        return sorted(found, key=lambda m: m[1])

    def titled(self, prefix: str) -> list[dict[str, Any]]:
        return [a for a in self.activities if str(a.get("Title") or "").startswith(prefix)]

    def conversations(self) -> set[str]:
        return {m.split("#", 1)[0] for m, _ in self.messages()}


async def read_cases(sandbox_url: str, baseline: set[str]) -> list[CaseView]:
    """Every case created during the run, with its activities (`/__sandbox/cases/{id}`)."""
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=120) as sandbox:
        rows = (await sandbox.get("/__sandbox/cases")).raise_for_status().json()["cases"]
        ids = [str(c["Id"]) for c in rows if str(c["Id"]) not in baseline]
        details = await get_all(sandbox, [f"/__sandbox/cases/{i}" for i in ids])
    return [CaseView(d["case"], d["activities"]) for d in details if d is not None]


async def read_contacts(sandbox_url: str) -> dict[str, list[str]]:
    """Contact ids by e-mail for the run's customers, over OData as a client of the sandbox would."""
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=120) as sandbox:
        token = (
            (
                await sandbox.post(
                    "/connect/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": SANDBOX_CLIENT_ID,
                        "client_secret": SANDBOX_SECRET,
                    },
                )
            )
            .raise_for_status()
            .json()["access_token"]
        )
        found: dict[str, list[str]] = defaultdict(list)
        skip, page = 0, 1000
        while True:
            params = {
                "$filter": f"endswith(Email,'@{EMAIL_DOMAIN}')",
                "$select": "Id,Email",
                "$orderby": "Email",
                "$top": str(page),
                "$skip": str(skip),
            }
            answer = await sandbox.get(
                "/0/odata/Contact", params=params, headers={"Authorization": f"Bearer {token}"}
            )
            rows = answer.raise_for_status().json()["value"]
            for row in rows:
                found[str(row["Email"])].append(str(row["Id"]))
            if len(rows) < page:
                return dict(found)
            skip += page


def check_sandbox(
    scripts: list[Script],
    cases: list[CaseView],
    contacts: dict[str, list[str]],
    *,
    handoff_only: bool,
    autofill: bool,
) -> list[Item]:
    expected = [s.expected for s in scripts]
    wanted = [e for e in expected if e.wants_case(handoff_only)]
    by_conversation: dict[str, list[CaseView]] = defaultdict(list)
    traced = Item("cases traced to one conversation each", expected=len(cases), found=0)
    for view in cases:
        owners = view.conversations()
        if len(owners) == 1:
            traced.found += 1
            by_conversation[owners.pop()].append(view)
        else:
            traced.fail(f"case {view.case['Id']}: conversations {sorted(owners)}")
    one_case = Item("conversations with exactly the cases due (1, or 0 before a handoff)", len(expected))
    for e in expected:
        due = 1 if e.wants_case(handoff_only) else 0
        have = len(by_conversation.get(e.conversation_id, []))
        if have == due:
            one_case.found += 1
        else:
            one_case.fail(f"{e.conversation_id}: {have} cases, {due} due")
    single = {
        e.conversation_id: by_conversation[e.conversation_id][0] for e in wanted if _one(by_conversation, e)
    }
    items = [traced, one_case, *_messages(wanted, single), _handoffs(wanted, single, handoff_only, autofill)]
    items += [_resolutions(wanted, single), _contacts(wanted, single, contacts)]
    return items


def _one(by_conversation: dict[str, list[CaseView]], e: Expected) -> bool:
    return len(by_conversation.get(e.conversation_id, [])) == 1


def _messages(wanted: list[Expected], single: dict[str, CaseView]) -> list[Item]:
    total = sum(len(e.messages) for e in wanted)
    once = Item("messages as activities, each exactly once", total)
    ordered = Item("messages dated by sent_at, so in sent order", total)
    stray = Item("cases with no activity but messages, summary and note", len(wanted))
    for e in wanted:
        view = single.get(e.conversation_id)
        if view is None:
            once.fail(f"{e.conversation_id}: no single case")
            continue
        found = view.messages()
        counts = Counter(m for m, _ in found)
        for m in e.messages:
            if counts[m.marker] == 1:
                once.found += 1
            else:
                once.fail(f"{m.marker}: {counts[m.marker]} activities")
        times = dict(found)
        in_order = [m.marker for m in e.messages]
        if [m for m, _ in found] == in_order and all(times[m.marker] == m.sent_at for m in e.messages):
            ordered.found += len(e.messages)
        else:
            ordered.fail(f"{e.conversation_id}: {[m for m, _ in found]} at {[str(t) for _, t in found]}")
        known = len(found) + len(view.titled(HANDOFF_TITLE)) + len(view.titled(NOTE_TITLE))
        if known == len(view.activities):
            stray.found += 1
        else:
            stray.fail(f"{e.conversation_id}: {len(view.activities) - known} other activities")
    return [once, ordered, stray]


def _handoffs(
    wanted: list[Expected], single: dict[str, CaseView], handoff_only: bool, autofill: bool
) -> Item:
    item = Item("handoffs applied (summary once, auto-fill note once, group; none without)", len(wanted))
    for e in wanted:
        view = single.get(e.conversation_id)
        if view is None:
            item.fail(f"{e.conversation_id}: no single case")
            continue
        summaries = [str(a.get("DetailedResult")) for a in view.titled(HANDOFF_TITLE)]
        notes = len(view.titled(NOTE_TITLE))
        if e.handoff_summary is None:
            good = not summaries and notes == 0
        else:
            good = summaries == [e.handoff_summary] and notes == (1 if autofill else 0)
            good = good and str(view.case.get("GroupId")) == FIRST_LINE_GROUP
            if handoff_only:
                good = good and view.case.get("Symptoms") == e.handoff_summary
        if good:
            item.found += 1
        else:
            group = view.case.get("GroupId")
            item.fail(f"{e.conversation_id}: {len(summaries)} summaries, {notes} notes, group {group}")
    return item


def _resolutions(wanted: list[Expected], single: dict[str, CaseView]) -> Item:
    item = Item("resolutions applied (Resolved status exactly when resolved)", len(wanted))
    for e in wanted:
        view = single.get(e.conversation_id)
        status = None if view is None else str(view.case.get("StatusId"))
        if view is not None and (status == RESOLVED_STATUS) == e.resolved:
            item.found += 1
        else:
            item.fail(f"{e.conversation_id}: status {status}, resolved {e.resolved}")
    return item


def _contacts(wanted: list[Expected], single: dict[str, CaseView], contacts: dict[str, list[str]]) -> Item:
    item = Item("one contact per customer, the case's", len(wanted))
    for e in wanted:
        view = single.get(e.conversation_id)
        ids = contacts.get(e.email, [])
        if view is not None and len(ids) == 1 and str(view.case.get("ContactId")) == ids[0]:
            item.found += 1
        else:
            item.fail(f"{e.email}: contacts {ids}")
    return item


def check_jobs(counts: dict[str, int], dead_errors: list[str]) -> list[Item]:
    dead = Item("dead jobs", 0, counts.get("dead", 0), [f"dead: {e}" for e in dead_errors])
    left = counts.get("queued", 0) + counts.get("running", 0)
    active = Item("jobs still queued or running after the drain", 0, left)
    return [dead, active]


def check_acknowledged(
    scripts: list[Script], cases: list[CaseView], accepted: set[str], *, handoff_only: bool
) -> Item:
    """Every message event answered 202 is an activity in Creatio (where its conversation has a case)."""
    in_creatio = {m for view in cases for m, _ in view.messages()}
    item = Item("messages answered 202, each found in Creatio", 0)
    for s in scripts:
        if not s.expected.wants_case(handoff_only):
            continue
        distinct = {e["id"]: e for e in s.events if e["type"] == "message.created"}
        for event_id, event in distinct.items():
            if event_id not in accepted:
                continue
            marker = f"{event['conversation']['id']}#{event['message']['id']}"
            item.expected += 1
            if marker in in_creatio:
                item.found += 1
            else:
                item.fail(f"{marker} lost")
    return item


def check_posting(scripts: list[Script], log: dict[str, Any]) -> list[Item]:
    distinct = sum(s.distinct_events for s in scripts)
    rejected = Item("events rejected (4xx) or never acknowledged", 0)
    rejected.found = log["rejected_count"] + log["unacknowledged_count"]
    rejected.failures = [*log["rejected"], *log["unacknowledged"]]
    stored = Item("distinct events answered 202 at least once or 200 (stored)", distinct)
    stored.found = distinct - rejected.found
    return [stored, rejected]
