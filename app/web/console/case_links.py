"""Where a case opens: its Creatio case page, or the sandbox agent console for the sandbox."""

from __future__ import annotations

from uuid import UUID

from app.crm_connection.service import ConnectionService
from app.settings import Settings


def case_link(connection: ConnectionService, settings: Settings, case_id: UUID | None) -> str | None:
    saved = connection.saved
    if case_id is None or saved is None:
        return None
    instance = saved.settings.instance_url.rstrip("/")
    sandbox = settings.sandbox_url
    if sandbox is not None and instance == sandbox.rstrip("/"):
        return f"/demo/agent/cases/{case_id}"
    return f"{instance}/0/Nui/ViewModule.aspx#CardModuleV2/CasePage/edit/{case_id}"
