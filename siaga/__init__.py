"""Siaga tooling: offline engine, CLI, reporters and documents.

Components (`components/`) and policies (`policies/`) never import this package.
"""

__version__ = "0.1.0"
