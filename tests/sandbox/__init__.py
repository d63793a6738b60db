"""Tests of the Creatio sandbox (app/sandbox)."""
