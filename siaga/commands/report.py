"""``siaga report``: DRP runbook, availability budget, residency evidence and diagram from a stack's graph."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from siaga.commands.common import (
    DEFAULT_TIMEOUT,
    SECRET_CONFIG_FILE_HELP,
    SECRET_CONFIG_HELP,
    TIMEOUT_HELP,
    fail,
    load_graph,
    secret_config_items,
)
from siaga.documents import document_language, write_reports
from siaga.documents.diagram import DiagramError
from siaga.escape.terminal import text as term
from siaga.i18n import LANGUAGES, Language, UnknownLanguage

console = Console()


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        stack: Annotated[str, typer.Option("--stack", "-s", help="Stack name: stacks/Pulumi.NAME.yaml")],
        output: Annotated[Path | None, typer.Option("--output", "-o", help="Folder for the documents (default reports/STACK)")] = None,
        program_dir: Annotated[Path | None, typer.Option("--program", help="Another Pulumi program folder (default: this repository)")] = None,
        config: Annotated[list[str] | None, typer.Option("--config", "-c", help="key=value override (repeatable)")] = None,
        secret_config: Annotated[list[str] | None, typer.Option("--secret-config", help=SECRET_CONFIG_HELP)] = None,
        secret_config_file: Annotated[Path | None, typer.Option("--secret-config-file", help=SECRET_CONFIG_FILE_HELP, allow_dash=True)] = None,
        timeout: Annotated[float, typer.Option("--timeout", min=1, help=TIMEOUT_HELP)] = DEFAULT_TIMEOUT,
        lang: Annotated[str | None, typer.Option(
            "--lang", help="Document language: id (Bahasa Indonesia) | en (default: the stack's "
                           "siaga:documentLanguage, id when unset)")] = None,
    ) -> None:
        """Write the Disaster Recovery Plan, availability budget, residency evidence and architecture diagram."""
        if lang is not None and lang not in LANGUAGES:  # before the program runs or anything is written
            fail(f"--lang: {lang!r} is not a document language; allowed: {' | '.join(LANGUAGES)}")
        secret_config = secret_config_items(secret_config, secret_config_file)
        with console.status("running the program offline…"):
            graph = load_graph(stack, program_dir, config or [], secret_config=secret_config, timeout=timeout)
        out = output or Path("reports") / stack
        try:
            files, topo, budget = write_reports(graph, stack, out, lang=lang)
        except UnknownLanguage as exc:
            fail(f"siaga:documentLanguage: {exc}")
        except DiagramError as exc:
            fail(f"siaga report: {exc}")
        except OSError as exc:
            fail(f"--output {out}: cannot write there ({exc.strerror or exc})")
        doc = document_language(topo, lang)
        _ = doc.gettext
        table = Table(title=f"siaga report {stack}")
        table.add_column(_("figure"))
        table.add_column(_("value"), justify="right")
        fo = topo.dns_failover_seconds()
        table.add_row(_("DNS failover, worst case"), f"{fo} s" if fo is not None else _("no failover"))
        table.add_row(_("Composite availability"),
                      doc.percent(budget.availability * 100, 4) if budget.estimable else _("no serving tier"))
        table.add_row(_("Expected downtime / year"), _("{percent} ({minutes} min)").format(
            percent=doc.percent(budget.downtime_percent, 4), minutes=doc.number(budget.downtime_minutes_per_year)))
        table.add_row(_("Agency target"), _("{target} -> met").format(target=_target(doc, budget.target_downtime_percent))
                      if budget.meets_target else
                      _("{target} -> NOT met").format(target=_target(doc, budget.target_downtime_percent)))
        table.add_row(_("Single points of failure"), str(len(budget.spofs)))
        console.print(table)
        for s in budget.spofs:
            console.print(Text.assemble((_("single point of failure:"), "yellow"), " ", term(s)), highlight=False)
        for f in files.all():
            console.print(_("wrote {path}").format(path=f), markup=False, highlight=False)


def _target(doc: Language, percent: float) -> str:
    """The agency's target as the stack states it (0.1 -> ``0.1 %`` / ``0,1 %``): no digits added or dropped."""
    text = str(percent)
    digits = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return doc.percent(percent, digits) if digits <= 6 else f"{text} %"
