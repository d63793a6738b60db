"""The composition root: builds stores, adapters and the job runner for the app, the worker and the CLI."""
