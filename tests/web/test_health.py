import logging
from datetime import timedelta
from uuid import uuid4

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import Adapters, create_app
from app.db.tables import ConversationRow, DeliveryRow, JobRow, utcnow
from app.settings import Settings
from app.web.request_log import _level


async def test_health(app_client: AsyncTestClient[Litestar]) -> None:
    response = await app_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_reports_database_and_unconfigured_creatio(app_client: AsyncTestClient[Litestar]) -> None:
    response = await app_client.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["creatio"] == {"configured": False, "verified_at": None, "token": None}


async def test_metrics_count_requests_by_route_template(app_client: AsyncTestClient[Litestar]) -> None:
    await app_client.get("/health")
    response = await app_client.get("/metrics")
    assert response.status_code == 200
    assert 'casebridge_http_requests_total{method="GET",route="/health",status="200"} 1.0' in response.text
    assert "casebridge_creatio_connection_configured 0.0" in response.text


async def test_openapi_schema_lists_admin_api(app_client: AsyncTestClient[Litestar]) -> None:
    response = await app_client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/admin/connection" in response.json()["paths"]


async def test_admin_api_needs_the_admin_token(app_client: AsyncTestClient[Litestar]) -> None:
    missing = await app_client.get("/api/v1/admin/connection", headers={"Authorization": ""})
    wrong = await app_client.get("/api/v1/admin/connection", headers={"Authorization": "Bearer nope"})
    right = await app_client.get("/api/v1/admin/connection")
    assert missing.status_code == 401
    assert "Authorization: Bearer <admin token>" in missing.json()["detail"]
    assert wrong.status_code == 401
    assert right.status_code == 404
    assert "PUT one to Test & Save" in right.json()["detail"]


async def test_metrics_show_job_backlog_dead_letters_and_undelivered_notices(
    settings: Settings, sandbox_http: httpx.AsyncClient
) -> None:
    app = create_app(settings.model_copy(update={"workers": 0}), Adapters(creatio_http=sandbox_http))
    async with AsyncTestClient(app=app) as client:  # no workers: the jobs below stay as they are
        text = await _metrics_with_jobs_and_deliveries(client)

    assert "casebridge_database_up 1.0" in text
    assert 'casebridge_jobs{kind="sync_conversation",state="queued"} 3.0' in text
    assert 'casebridge_jobs{kind="sync_conversation",state="dead"} 1.0' in text
    [age_line] = [
        line for line in text.splitlines() if line.startswith("casebridge_oldest_due_job_age_seconds ")
    ]
    assert 89 <= float(age_line.split()[1]) < 150  # the job due 90 s ago; the one due in an hour is not late
    assert 'casebridge_deliveries{state="failed"} 1.0' in text
    assert 'casebridge_deliveries{state="queued"} 0.0' in text


async def _metrics_with_jobs_and_deliveries(client: AsyncTestClient[Litestar]) -> str:
    now = utcnow()
    async with client.app.state.services.sessions() as session, session.begin():
        conversation = ConversationRow(external_id="m1")
        session.add(conversation)
        await session.flush()
        for state, due in (("queued", now - timedelta(seconds=90)), ("queued", now), ("dead", now)):
            session.add(JobRow(kind="sync_conversation", payload="{}", state=state, run_after=due))
        session.add(
            JobRow(kind="sync_conversation", payload="{}", state="queued", run_after=now + timedelta(hours=1))
        )
        session.add(
            DeliveryRow(
                conversation_id=conversation.id,
                dedupe_key="activity:x",
                kind="agent.replied",
                occurred_at=now,
                case_id=uuid4(),
                state="failed",
            )
        )

    return str((await client.get("/metrics")).text)


async def test_wrong_admin_tokens_are_throttled_per_address(app_client: AsyncTestClient[Litestar]) -> None:
    wrong = {"Authorization": "Bearer nope"}
    for _ in range(10):
        assert (await app_client.get("/api/v1/admin/connection", headers=wrong)).status_code == 401

    locked = await app_client.get("/api/v1/admin/connection")  # the right token is refused as well

    assert locked.status_code == 429
    assert "Too many wrong admin tokens" in locked.json()["detail"]
    assert 1 <= int(locked.headers["retry-after"]) <= 300


async def test_routine_requests_log_at_debug_and_failures_at_info(
    app_client: AsyncTestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="casebridge.http")
    await app_client.get("/health")
    await app_client.post("/api/v1/events", content=b"{}")  # unsigned: 401
    logged = [(r.levelno, r.route, r.status) for r in caplog.records if r.name == "casebridge.http"]  # type: ignore[attr-defined]
    assert logged == [(logging.DEBUG, "/health", 200), (logging.INFO, "/api/v1/events", 401)]
    assert _level(503, 0.01) == logging.WARNING
    assert _level(200, 1.5) == logging.INFO  # slow


async def test_metrics_still_answer_when_the_database_cannot_be_read() -> None:
    from app.observability.metrics import Metrics
    from app.web.api.health import _read_queue_gauges

    class Unreachable:
        async def job_counts(self) -> list[object]:
            raise OSError("connection refused")

    metrics = Metrics()
    await _read_queue_gauges(metrics, Unreachable())  # type: ignore[arg-type]
    assert b"casebridge_database_up 0.0" in metrics.render()
