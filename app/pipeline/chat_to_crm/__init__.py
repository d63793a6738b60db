"""Chat to Creatio: syncs a conversation's messages, handoff and resolution to its CRM case."""
