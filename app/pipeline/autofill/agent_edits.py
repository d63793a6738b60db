"""Learns what agents did with auto-filled values: compares the columns Creatio-to-chat and the
reconciliation read anyway with the audit, and records an agent's change of an applied value, or a
suggestion an agent took up, with when.

The latest read decides: a value an agent changed and later set back counts as kept again. A suggestion
counts as taken up when the column holds it and did not when Casebridge decided (or, for a case created
with the handoff, Creatio's default did not equal it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from app.domain.crm_updates import CaseValues
from app.pipeline.autofill.policy import same
from app.ports.stores import AgentEditsStorePort, AgentValue, TrackedValue

logger = logging.getLogger(__name__)


class AgentEdits:
    """The CaseValuesObserver: never raises, since learning must not stop a reply from reaching the chat."""

    def __init__(
        self, store: AgentEditsStorePort, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._store = store
        self._clock = clock

    async def observe(self, cases: Sequence[CaseValues]) -> None:
        read = {case.case_id: case for case in cases if case.fields}
        if not read:
            return
        try:
            now = self._clock()
            tracked = await self._store.tracked_values(list(read))
            found = [judge(value, read[value.case_id], now) for value in tracked]
            changes = [change for change in found if change is not None]
            if changes:
                await self._store.record_agent_values(changes)
        except Exception:
            logger.exception("agents' edits of auto-filled values not recorded", extra={"cases": len(read)})


def judge(value: TrackedValue, case: CaseValues, now: datetime) -> AgentValue | None:
    """What this read says about one audit row, or None when the row already says it."""
    if value.column not in case.fields:
        return None
    held = case.fields[value.column]
    if value.outcome == "applied":
        differs = not same(held, value.written)
        agent = ("" if held is None else held) if differs else None
    else:
        differs = same(held, value.written) and not same(held, value.case_value)
        agent = held if differs else None
    if value.read_back and _alike(agent, value.agent_value):
        return None
    return AgentValue(value.row_id, agent, (case.modified_on or now) if differs else None, now)


def _alike(left: object, right: object) -> bool:
    if left is None or right is None:
        return left is right
    return left == right or same(left, right)
