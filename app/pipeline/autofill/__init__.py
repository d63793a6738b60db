"""AI field auto-fill: extract, resolve lookups, apply the policies, note and audit; preview and report."""
