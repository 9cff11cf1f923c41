"""``siaga report``: DRP runbook, availability budget, residency evidence and diagram from a stack's graph."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from siaga.commands.common import DEFAULT_TIMEOUT, SECRET_CONFIG_HELP, TIMEOUT_HELP, fail, load_graph
from siaga.documents import write_reports

console = Console()


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        stack: Annotated[str, typer.Option("--stack", "-s", help="Stack name: stacks/Pulumi.NAME.yaml")],
        output: Annotated[Path | None, typer.Option("--output", "-o", help="Folder for the documents (default reports/STACK)")] = None,
        program_dir: Annotated[Path | None, typer.Option("--program", help="Another Pulumi program folder (default: this repository)")] = None,
        config: Annotated[list[str] | None, typer.Option("--config", "-c", help="key=value override (repeatable)")] = None,
        secret_config: Annotated[list[str] | None, typer.Option("--secret-config", help=SECRET_CONFIG_HELP)] = None,
        timeout: Annotated[float, typer.Option("--timeout", min=1, help=TIMEOUT_HELP)] = DEFAULT_TIMEOUT,
    ) -> None:
        """Write the Disaster Recovery Plan, availability budget, residency evidence and architecture diagram."""
        with console.status("running the program offline…"):
            graph = load_graph(stack, program_dir, config or [], secret_config=secret_config, timeout=timeout)
        out = output or Path("reports") / stack
        try:
            files, topo, budget = write_reports(graph, stack, out)
        except OSError as exc:
            fail(f"--output {out}: cannot write there ({exc.strerror or exc})")
        table = Table(title=f"siaga report {stack}")
        table.add_column("figure")
        table.add_column("value", justify="right")
        fo = topo.dns_failover_seconds()
        table.add_row("DNS failover, worst case", f"{fo} s" if fo is not None else "no failover")
        table.add_row("Composite availability", f"{budget.availability * 100:.4f} %" if budget.estimable else "no serving tier")
        table.add_row("Expected downtime / year", f"{budget.downtime_percent:.4f} % ({budget.downtime_minutes_per_year:.0f} min)")
        table.add_row("Agency target", f"{budget.target_downtime_percent} % -> {'met' if budget.meets_target else 'NOT met'}")
        table.add_row("Single points of failure", str(len(budget.spofs)))
        console.print(table)
        for s in budget.spofs:
            console.print(f"[yellow]single point of failure:[/] {s}")
        for f in files.all():
            console.print(f"wrote {f}")
