"""Admin API for the Creatio connection: read it (secret masked), test it, Test & Save it."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import JSONBody

from app.crm_connection.checks import ConnectionTestReport
from app.crm_connection.service import ConnectionInputError
from app.domain.crm_connection import ConnectionSettingsInput, ConnectionSettingsView
from app.web.admin_auth import require_admin
from app.web.services import services_from_state


class ConnectionController(Controller):
    path = "/api/v1/admin/connection"
    guards = [require_admin]
    tags = ["admin: connection"]

    @get("/", summary="The saved Creatio connection; the client secret is never returned.")
    async def read(self, state: State) -> ConnectionSettingsView:
        view = services_from_state(state).connection.saved_view()
        if view is None:
            raise NotFoundException(detail="No Creatio connection is saved yet: PUT one to Test & Save it.")
        return view

    @put("/", status_code=200, summary="Test & Save: saved only when every check passes.")
    async def test_and_save(
        self, state: State, data: JSONBody[ConnectionSettingsInput]
    ) -> ConnectionTestReport:
        try:
            return await services_from_state(state).connection.test_and_save(data)
        except ConnectionInputError as exc:
            raise ValidationException(detail=str(exc)) from exc

    @post("/test", status_code=200, summary="Run the Test & Save checks without saving.")
    async def test(self, state: State, data: JSONBody[ConnectionSettingsInput]) -> ConnectionTestReport:
        try:
            report, _ = await services_from_state(state).connection.test(data)
        except ConnectionInputError as exc:
            raise ValidationException(detail=str(exc)) from exc
        return report
