"""Admin API for the Creatio connection: read it (secret masked), test it, Test & Save it."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import JSONBody

from app.crm_connection.checks import ConnectionTestReport
from app.crm_connection.service import ConnectionService
from app.domain.crm_connection import ConnectionSettingsInput, ConnectionSettingsView
from app.web.admin_auth import require_admin


class ConnectionController(Controller):
    """Settings that cannot be tested as given (ConnectionInputError) answer 400: app/web/errors.py."""

    path = "/api/v1/admin/connection"
    guards = [require_admin]
    tags = ["admin: connection"]

    @get("/", summary="The saved Creatio connection; the client secret is never returned.")
    async def read(self, connection: NamedDependency[ConnectionService]) -> ConnectionSettingsView:
        view = connection.saved_view()
        if view is None:
            raise NotFoundException(detail="No Creatio connection is saved yet: PUT one to Test & Save it.")
        return view

    @put("/", status_code=200, summary="Test & Save: saved only when every check passes.")
    async def test_and_save(
        self, connection: NamedDependency[ConnectionService], data: JSONBody[ConnectionSettingsInput]
    ) -> ConnectionTestReport:
        return await connection.test_and_save(data)

    @post("/test", status_code=200, summary="Run the Test & Save checks without saving.")
    async def test(
        self, connection: NamedDependency[ConnectionService], data: JSONBody[ConnectionSettingsInput]
    ) -> ConnectionTestReport:
        report, _ = await connection.test(data)
        return report
