"""A Chatwoot emulator for tests (and the shapes of Chatwoot's webhooks): see README.md for its sources."""
