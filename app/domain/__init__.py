"""Pure domain models: conversations, messages, case drafts, events, Creatio's seeded GUIDs. No I/O."""
