"""Siaga rules: transit."""
