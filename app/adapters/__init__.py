"""Adapters: one package per external system; only they know URLs, auth and payload shapes."""
