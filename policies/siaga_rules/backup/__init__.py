"""Siaga rules: backup."""
