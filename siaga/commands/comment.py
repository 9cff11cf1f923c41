"""``siaga comment``: ONE pull-request comment for every stack, from the JSON reports of their checks.

The workflow runs ``siaga check --stack S --base REF --report json=reports/S.json`` once per stack, then
``siaga comment reports/*.json -o comment.md`` and posts (or updates, found by its first line
``<!-- siaga-check -->``) that one comment. Exit 0 when the comment was written, 2 with one line when a report
cannot be read; the verdict is the checks' exit codes, not this command's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from siaga.commands.common import fail
from siaga.files import write_atomic


def load_report(path: Path):  # noqa: ANN201 - Report, imported lazily
    """The report model a JSON report of ``siaga check`` carries (its ``report`` key)."""
    from siaga.report_model import Report

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path}: not a JSON report of siaga check ({exc})")
    if not isinstance(data, dict) or not isinstance(data.get("report"), dict):
        fail(f"{path}: not a JSON report of siaga check (no 'report' key; written by siaga check --format json)")
    try:
        return Report.model_validate(data["report"])
    except ValidationError as exc:
        fail(f"{path}: not a JSON report of siaga check ({str(exc).splitlines()[0]})")


def register(app: typer.Typer) -> None:
    @app.command()
    def comment(
        reports: Annotated[list[Path], typer.Argument(help="JSON reports of siaga check (--format json), one per stack")],
        output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the comment here instead of stdout")] = None,
    ) -> None:
        """One pull-request comment (Markdown) for every stack's check: summary first, then details by policy."""
        from siaga.reporters.markdown import render_many

        loaded = [load_report(p) for p in reports]
        loaded.sort(key=lambda r: (r.project, r.stack))
        text = render_many(loaded)
        if output is None:
            sys.stdout.write(text)
            return
        try:
            write_atomic(output, text)
        except OSError as exc:
            fail(f"{output}: cannot write the comment ({exc.strerror})")
