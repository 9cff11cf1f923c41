"""Errors the analyzer raises: ``str()`` is one line for the user."""

from __future__ import annotations


class AnalyzerError(Exception):
    """A pack could not be started, configured or run (not a policy finding)."""
