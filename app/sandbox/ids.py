"""GUIDs of the rows only the sandbox seeds: users, agents and a demo customer that a real Creatio does
not have. Creatio's own seeded lookup values (statuses, origins, activity types, ...) are facts of the
CRM and live in app/domain/creatio_ids.py."""

from __future__ import annotations

from uuid import UUID


class SandboxIds:
    """Rows only the sandbox has (GUIDs chosen here): users, agents and a demo customer."""

    SUPERVISOR_CONTACT = UUID("5b0c0001-0000-4000-8000-000000000000")
    SUPERVISOR_USER = UUID("5b0c0002-0000-4000-8000-000000000000")
    TECH_CONTACT = UUID("5b0c0001-0000-4000-8000-000000000001")
    TECH_USER = UUID("5b0c0002-0000-4000-8000-000000000001")
    AGENT_1_CONTACT = UUID("5b0c0001-0000-4000-8000-00000000000a")
    AGENT_1_USER = UUID("5b0c0002-0000-4000-8000-00000000000a")
    AGENT_2_CONTACT = UUID("5b0c0001-0000-4000-8000-00000000000b")
    AGENT_2_USER = UUID("5b0c0002-0000-4000-8000-00000000000b")
    AGENT_3_CONTACT = UUID("5b0c0001-0000-4000-8000-00000000000c")
    AGENT_3_USER = UUID("5b0c0002-0000-4000-8000-00000000000c")
    DEMO_ACCOUNT = UUID("5b0c0003-0000-4000-8000-000000000001")
    DEMO_CUSTOMER_CONTACT = UUID("5b0c0001-0000-4000-8000-000000000101")
