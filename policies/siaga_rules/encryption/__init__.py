"""Siaga rules: encryption."""
