"""Alembic migrations, applied at start-up and by `casebridge migrate`."""
