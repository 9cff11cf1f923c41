"""Siaga rules: logging."""
