"""A small dict whose entries expire: names and flags read from Creatio change now and then."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
PRUNE_ABOVE = 10_000  # entries; expired ones are dropped past this so memory stays bounded


class TtlMap(Generic[K, V]):
    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}

    def __contains__(self, key: K) -> bool:
        entry = self._entries.get(key)
        return entry is not None and self._clock() < entry[0]

    def __getitem__(self, key: K) -> V:
        return self._entries[key][1]

    def __setitem__(self, key: K, value: V) -> None:
        now = self._clock()
        if len(self._entries) >= PRUNE_ABOVE:
            self._entries = {k: e for k, e in self._entries.items() if now < e[0]}
        self._entries[key] = (now + self._ttl, value)
