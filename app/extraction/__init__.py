"""Field auto-fill extraction: mappings, response models, prompts, offline rules and evaluation (no I/O)."""
