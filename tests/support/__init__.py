"""Shared test helpers: in-memory fakes of the ports and their wiring, HTTP fakes, cassettes, processes."""
