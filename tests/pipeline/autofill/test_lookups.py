"""Lookup values resolved by Name: cached with a TTL, reported when missing, refreshed on Test & Save."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID, uuid4

import httpx

from app.adapters.creatio import CreatioClient, CreatioInstance
from app.adapters.creatio.lookups import CreatioLookups
from app.domain.creatio_ids import CaseCategoryIds, CasePriorityIds
from app.extraction.mapping import FieldMapping
from app.pipeline.autofill.lookups import LookupCache, wanted_names
from tests.support.casebridge import SANDBOX_CLIENT_ID, SANDBOX_SECRET, SANDBOX_URL, Client


class CountingPort:
    def __init__(self, rows: dict[str, dict[str, list[UUID]]], fail: bool = False) -> None:
        self.rows, self.fail, self.calls, self.missing = rows, fail, 0, ["UsrProduct"]

    async def ids_by_name(self, entity_set: str, names: Sequence[str]) -> Mapping[str, Sequence[UUID]]:
        self.calls += 1
        if self.fail:
            raise RuntimeError("503 Service Unavailable")
        return {n: self.rows.get(entity_set, {}).get(n, []) for n in names}

    async def missing_columns(self, entity_set: str, columns: Sequence[str]) -> Sequence[str]:
        assert entity_set == "Case"
        if self.fail:
            raise RuntimeError("503 Service Unavailable")
        return [c for c in columns if c in self.missing]


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_wanted_names_include_the_creatio_default(mapping: FieldMapping) -> None:
    assert wanted_names(mapping) == {
        "CasePriority": ["Critical", "High", "Medium", "Low"],
        "CaseCategory": ["Incident", "Service request"],
    }


async def test_cached_until_the_ttl_and_missing_or_ambiguous_values_reported(mapping: FieldMapping) -> None:
    high = uuid4()
    port = CountingPort({"CasePriority": {"High": [high], "Low": [uuid4(), uuid4()]}})
    clock = Clock()
    cache = LookupCache(lambda: port, ttl_seconds=60, clock=clock)
    table = await cache.table(mapping)
    assert table.get("CasePriority", "High").id == high
    assert table.get("CasePriority", "Critical").text == "not found in CasePriority"
    assert table.get("CasePriority", "Low").text == "2 records named 'Low' in CasePriority"
    assert table.name_of("CasePriority", str(high).upper()) == "High"
    assert table.missing_columns == {"UsrProduct"}
    clock.now = 59
    await cache.table(mapping)
    assert port.calls == 2  # one request per lookup entity set, not repeated within the TTL
    clock.now = 61
    await cache.table(mapping)
    assert port.calls == 4


async def test_a_new_connection_or_a_failure_is_not_cached_for_long(mapping: FieldMapping) -> None:
    clock = Clock()
    failing = CountingPort({}, fail=True)
    current: list[CountingPort | None] = [None]
    cache = LookupCache(lambda: current[0], ttl_seconds=600, clock=clock)
    assert "not connected" in (await cache.table(mapping)).get("CasePriority", "High").text
    current[0] = failing
    table = await cache.table(mapping)  # the connection changed: looked up again at once
    assert table.get("CasePriority", "High").text == "could not read CasePriority: 503 Service Unavailable"
    clock.now = 31  # failures are retried after 30 s, not after the TTL
    await cache.table(mapping)
    assert failing.calls == 4


async def test_creatio_lookups_against_the_sandbox(sandbox_http: httpx.AsyncClient) -> None:
    connection = CreatioInstance.from_input(
        SANDBOX_URL, SANDBOX_CLIENT_ID, SANDBOX_SECRET, allow_insecure_loopback=True
    )
    lookups = CreatioLookups(CreatioClient(connection, sandbox_http))
    found = await lookups.ids_by_name("CasePriority", ["High", "Urgent", "O'Hara"])
    assert found == {"High": [CasePriorityIds.HIGH], "Urgent": [], "O'Hara": []}
    assert await lookups.missing_columns("Case", ["PriorityId", "UsrOrderNumber"]) == []
    assert await lookups.missing_columns("Case", ["PriorityId", "UsrTypo", "Bogus"]) == ["UsrTypo", "Bogus"]
    categories = await lookups.ids_by_name("CaseCategory", ["Incident", "Service request"])
    assert categories == {
        "Incident": [CaseCategoryIds.INCIDENT],
        "Service request": [CaseCategoryIds.SERVICE_REQUEST],
    }


async def test_test_and_save_refreshes_the_lookups(autofill_client: Client) -> None:
    cache = autofill_client.app.state.runtime.autofill.service.lookups
    await autofill_client.get("/api/v1/field-mappings")
    before = cache.current.checked_at
    response = await autofill_client.put(
        "/api/v1/admin/connection",
        json={"instance_url": SANDBOX_URL, "client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_SECRET},
    )
    assert response.json()["saved"] is True
    refreshed = cache.current.checked_at  # by the Test & Save listener, before any other request
    assert refreshed > before
    assert cache.current.get("CasePriority", "High").id == CasePriorityIds.HIGH
    report = (await autofill_client.get("/api/v1/field-mappings")).json()
    assert datetime.fromisoformat(report["lookups_checked_at"]) == refreshed  # served from the cache
