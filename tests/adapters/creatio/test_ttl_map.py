"""Entries read from Creatio expire, so a renamed status or agent shows up without a restart."""

from __future__ import annotations

import pytest

from app.adapters.creatio import case_reader
from app.adapters.creatio.case_reader import TtlMap


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_is_there_until_it_expires() -> None:
    clock = Clock()
    names: TtlMap[str, str | None] = TtlMap(60, clock)
    names["agent"] = None  # "no name" is a value too
    assert "agent" in names
    assert names["agent"] is None
    clock.now = 59.9
    assert "agent" in names
    clock.now = 60
    assert "agent" not in names


def test_expired_entries_are_dropped_when_the_map_grows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(case_reader, "PRUNE_ABOVE", 3)
    clock = Clock()
    cache: TtlMap[int, int] = TtlMap(10, clock)
    for key in range(3):
        cache[key] = key
    clock.now = 20
    cache[99] = 99
    assert len(cache._entries) == 1
