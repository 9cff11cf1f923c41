"""Reusable Pulumi ComponentResources for highly available, in-country public services."""
