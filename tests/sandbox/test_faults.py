"""Fault injection: latency, 5xx, 429 + Retry-After, hanging requests, seeded determinism, runtime control."""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.sandbox import FaultProfile
from tests.support.sandbox import CLIENT_ID, CLIENT_SECRET, MakeSandbox, Sandbox

GRANT = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


async def _statuses(sb: Sandbox, n: int) -> list[int]:
    return [(await sb.get("/0/odata/CaseStatus?$top=1")).status_code for _ in range(n)]


async def test_latency_is_added_to_odata_requests(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(faults=FaultProfile(latency_ms=60))

    started = time.perf_counter()
    response = await sb.get("/0/odata/CaseStatus")
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    assert elapsed >= 0.05  # asyncio may wake a timer up to its clock resolution early
    assert sb.store.stats.faults["latency"] == 1


async def test_the_latency_runs_from_the_arrival_with_the_processing_inside_it(
    make_sandbox: MakeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.sandbox import odata_routes

    process = odata_routes._single

    def slow_process(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.15)  # the sandbox busy with this request
        return process(*args, **kwargs)

    monkeypatch.setattr(odata_routes, "_single", slow_process)
    sb = await make_sandbox(faults=FaultProfile(latency_ms=200))

    started = time.perf_counter()
    response = await sb.get("/0/odata/CaseStatus")
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    # 200 ms from arrival, not 200 + 150: a remote server's response time includes its processing.
    assert 0.19 <= elapsed < 0.33


async def test_error_rate_one_answers_500_with_the_error_body(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(faults=FaultProfile(error_rate=1.0))

    response = await sb.post("/0/odata/Case", json={"Subject": "x"})

    assert response.status_code == 500
    assert response.json()["error"]["message"] == "An error has occurred."
    assert sb.store.rows("Case") == []  # rejected before processing


async def test_error_after_processing_is_an_ambiguous_failure(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(
        faults=FaultProfile(error_rate=1.0, error_status=503, error_after_processing=True)
    )

    response = await sb.post("/0/odata/Case", json={"Subject": "x"})

    assert response.status_code == 503
    assert [c["Subject"] for c in sb.store.rows("Case")] == ["x"]


async def test_rate_429_sends_retry_after(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(faults=FaultProfile(rate_429=1.0, retry_after_seconds=7))

    response = await sb.get("/0/odata/Case")

    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert "error" in response.json()


async def test_timeout_hangs_then_answers_normally(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(faults=FaultProfile(timeout_rate=1.0, timeout_seconds=0.15))

    started = time.perf_counter()
    response = await sb.post("/0/odata/Case", json={"Subject": "slow"})
    elapsed = time.perf_counter() - started

    assert elapsed >= 0.14
    assert response.status_code == 201
    assert sb.store.stats.faults["timeout"] == 1


async def test_seeded_faults_are_reproducible(make_sandbox: MakeSandbox) -> None:
    profile = FaultProfile(error_rate=0.3, rate_429=0.2, seed=1234)
    first, second = await make_sandbox(faults=profile), await make_sandbox(faults=profile)

    run_a, run_b = await _statuses(first, 30), await _statuses(second, 30)

    assert run_a == run_b
    assert {200, 429, 500} == set(run_a)
    assert first.store.stats.faults["5xx"] == run_a.count(500)
    assert first.store.stats.faults["429"] == run_a.count(429)


async def test_runtime_control_reseeds_and_switches_off(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox()
    assert await _statuses(sb, 3) == [200, 200, 200]

    put = await sb.client.put("/__sandbox/faults", json={"error_rate": 0.5, "seed": 7})
    first = await _statuses(sb, 20)
    await sb.client.put("/__sandbox/faults", json={"seed": 7})
    again = await _statuses(sb, 20)
    await sb.client.put("/__sandbox/faults", json={"error_rate": 0})

    assert put.status_code == 200
    assert put.json()["error_rate"] == 0.5
    assert first == again
    assert 500 in first
    assert 200 in first
    assert await _statuses(sb, 3) == [200, 200, 200]
    assert (await sb.client.get("/__sandbox/faults")).json()["seed"] == 7


@pytest.mark.parametrize("body", [{"error_rate": 2}, {"unknown_knob": 1}, {"latency_ms": -1}])
async def test_invalid_fault_updates_are_400(sb: Sandbox, body: dict[str, object]) -> None:
    response = await sb.client.put("/__sandbox/faults", json=body)

    assert response.status_code == 400
    assert (await sb.client.get("/__sandbox/faults")).json() == FaultProfile().model_dump()


async def test_token_endpoint_is_spared_unless_asked(make_sandbox: MakeSandbox) -> None:
    spared = await make_sandbox(login=False, faults=FaultProfile(error_rate=1.0))
    hit = await make_sandbox(login=False, faults=FaultProfile(rate_429=1.0, apply_to_token_endpoint=True))

    assert (await spared.client.post("/connect/token", data=GRANT)).status_code == 200
    response = await hit.client.post("/connect/token", data=GRANT)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"


async def test_faults_never_touch_control_endpoints(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(faults=FaultProfile(error_rate=1.0))

    assert (await sb.client.get("/__sandbox/stats")).status_code == 200
    assert (await sb.client.get("/__sandbox/cases")).status_code == 200
