"""Siaga rules: visibility."""
