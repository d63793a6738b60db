"""Helpers shared by tests in more than one folder."""
