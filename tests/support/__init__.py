"""Shared test helpers, imported by tests and conftests (which hold only fixtures and hooks).

In-memory fakes of the ports and their wiring (in_memory, wiring); HTTP fakes of Creatio, the chat
platform and OpenAI (fake_creatio, chat_platform, openai_server); the app under test against the
in-process sandbox (casebridge, crm_to_chat, autofill, console); the sandbox's own test client (sandbox);
signed chat events (events); cassettes (cassettes, llm_transcripts); real processes (processes, browser);
paths and PostgreSQL (paths, postgres). Fixtures that tests in several directories need are in
autofill_fixtures, registered in tests/conftest.py.
"""
