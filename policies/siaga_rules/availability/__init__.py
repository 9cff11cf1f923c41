"""Siaga rules: availability."""
