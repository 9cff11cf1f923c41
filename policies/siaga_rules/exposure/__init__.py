"""Siaga rules: exposure."""
