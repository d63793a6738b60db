"""A Chatwoot emulator (tests and `make run CHAT=chatwoot`): its API, its signed webhooks (README.md:
the sources of the payload shapes)."""
