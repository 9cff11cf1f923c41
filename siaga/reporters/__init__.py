"""Renderers of the one check report: ``FORMATS[name](report) -> str``."""

from __future__ import annotations

from collections.abc import Callable

from siaga.report_model import Report
from siaga.reporters import json_report, junit, markdown, sarif, text

FORMATS: dict[str, Callable[[Report], str]] = {
    "text": text.render,
    "markdown": markdown.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "json": json_report.render,
}

__all__ = ["FORMATS"]
