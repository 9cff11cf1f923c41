"""Siaga rules: residency."""
