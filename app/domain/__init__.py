"""Pure domain models: conversations, messages, case drafts, events. No I/O."""
