"""``siaga report``: DRP runbook, availability budget, residency evidence and diagram from a stack's graph."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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
from siaga.documents.topology import analyse
from siaga.engine.model import Graph
from siaga.engine.state import StateError, load_state
from siaga.escape.terminal import text as term
from siaga.i18n import LANGUAGES, Language, UnknownLanguage

console = Console()


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        stack: Annotated[str, typer.Option("--stack", "-s", help="Stack name: stacks/Pulumi.NAME.yaml")],
        output: Annotated[Path | None, typer.Option(
            "--output", "-o", help="Base folder: the documents go into OUTPUT/LANG/ (default reports/STACK), so each "
                                   "language keeps its own set")] = None,
        outputs: Annotated[Path | None, typer.Option(
            "--outputs", help="`pulumi stack output --json` of the deployed stack: its real name servers, load "
                              "balancer names... in place of the offline stand-ins")] = None,
        state: Annotated[Path | None, typer.Option(
            "--state", help="`pulumi stack export` of the deployed stack: real values for the offline stand-ins, "
                            "matched by URN")] = None,
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
        deployed = _read_outputs(outputs) if outputs is not None else None
        exported = _read_state(state) if state is not None else None
        secret_config = secret_config_items(secret_config, secret_config_file)
        with console.status("running the program offline…"):
            graph = load_graph(stack, program_dir, config or [], secret_config=secret_config, timeout=timeout)
        base = output or Path("reports") / stack
        try:
            out = base / document_language(analyse(graph), lang).code  # each language its own folder
            files, topo, budget = write_reports(graph, stack, out, lang=lang, outputs=deployed, state=exported)
        except UnknownLanguage as exc:
            fail(f"siaga:documentLanguage: {exc}")
        except DiagramError as exc:
            fail(f"siaga report: {exc}")
        except OSError as exc:
            fail(f"--output {base}: cannot write there ({exc.strerror or exc})")
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


def _read_outputs(path: Path) -> dict[str, Any]:
    """``pulumi stack output --json`` saved to ``path``: a JSON object (read bounded, duplicate keys refused:
    siaga/inputs.py), or one line and exit 2."""
    from siaga.inputs import InputFileError, load_json_or_yaml

    try:
        data = load_json_or_yaml(path, "--outputs", json_only=True)
    except InputFileError as exc:
        fail(f"{exc}; allowed: the output of `pulumi stack output --json`")
    if not isinstance(data, dict):
        fail(f"--outputs {path}: a JSON {type(data).__name__}; allowed: the object `pulumi stack output --json` "
             "prints")
    return data


def _read_state(path: Path) -> Graph:
    """``pulumi stack export`` saved to ``path`` (siaga.engine.state), or one line and exit 2."""
    try:
        return load_state(path)
    except StateError as exc:
        fail(str(exc))


def _target(doc: Language, percent: float) -> str:
    """The agency's target as the stack states it (0.1 -> ``0.1 %`` / ``0,1 %``): no digits added or dropped."""
    text = str(percent)
    digits = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return doc.percent(percent, digits) if digits <= 6 else f"{text} %"
