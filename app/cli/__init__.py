"""The `casebridge` command line (`python -m app.cli` runs it too)."""
