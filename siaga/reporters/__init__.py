"""Renderers of the one check report: ``FORMATS[name](report) -> str``.

``NAMES`` is importable without the renderers (the CLI validates ``--format`` before the program starts);
``FORMATS`` imports them on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from siaga.report_model import Report

NAMES = ("text", "markdown", "sarif", "junit", "json")


def _formats() -> dict[str, Callable[[Report], str]]:
    from siaga.reporters import json_report, junit, markdown, sarif, text

    return {"text": text.render, "markdown": markdown.render, "sarif": sarif.render, "junit": junit.render,
            "json": json_report.render}


def __getattr__(name: str) -> Any:
    if name == "FORMATS":
        globals()["FORMATS"] = formats = _formats()
        return formats
    raise AttributeError(name)


__all__ = ["FORMATS", "NAMES"]
