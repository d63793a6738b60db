"""Learns what agents did with auto-filled values: compares the columns Creatio-to-chat and the
reconciliation read anyway with the audit, and records an agent's change of an applied value, or a
suggestion an agent took up, with when.

A value is reviewed once an agent changed it, or once its case is done (resolved or closed) still holding
it: kept. A suggestion is reviewed once taken up (the column holds it, and did not when Casebridge
decided: for a case created with the handoff, Creatio's default did not equal it), or once its case is
done without it. The latest read decides: a value an agent changed and later set back is kept, or, while
the case is open, not reviewed yet.
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
        acted = not same(held, value.written)  # an agent changed it
        agent = ("" if held is None else held) if acted else None
    else:
        acted = same(held, value.written) and not same(held, value.case_value)  # an agent took it up
        agent = held if acted else None
    reviewed = acted or case.done
    if reviewed == value.reviewed and _alike(agent, value.agent_value):
        return None
    when = (case.modified_on or now) if acted else None
    return AgentValue(value.row_id, agent, when, now if reviewed else None)


def _alike(left: object, right: object) -> bool:
    if left is None or right is None:
        return left is right
    return left == right or same(left, right)
