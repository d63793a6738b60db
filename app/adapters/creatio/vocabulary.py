"""Creatio's seeded lookup GUIDs that Casebridge writes (creatio-api.md §3.2, §4.1)."""

from __future__ import annotations

from uuid import UUID

CASE_ORIGIN_CHAT = UUID("019259af-ec9c-4c87-9565-3c00700c7875")
ACTIVITY_TYPE_TASK = UUID("fbe0acdc-cfc0-df11-b00f-001d60e938c6")
ACTIVITY_CATEGORY_TODO = UUID("f51c4643-58e6-df11-971b-001d60e938c6")
ACTIVITY_STATUS_COMPLETED = UUID("4bdbb88f-58e6-df11-971b-001d60e938c6")
