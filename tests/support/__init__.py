"""Test support: in-memory stand-ins for the pipeline's ports, and how they are wired together."""
