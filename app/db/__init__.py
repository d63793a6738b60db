"""Storage: tables, engine, migrations and small query functions."""
