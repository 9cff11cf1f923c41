"""``siaga preview``: run a program offline and show what it would create."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from siaga.commands.common import (
    DEFAULT_TIMEOUT,
    SECRET_CONFIG_FILE_HELP,
    SECRET_CONFIG_HELP,
    STACK_OUTPUTS_HELP,
    TIMEOUT_HELP,
    fail,
    load_graph,
    secret_config_items,
)
from siaga.engine.model import Graph, Resource, effective_region
from siaga.escape.terminal import text as term

console = Console()


def _d(value: object) -> str:
    """Program text (names, types, regions, paths) inside markup: one line, control and bidi characters removed,
    markup escaped (a resource named ``[secret]`` or ``[link=...]`` prints as written)."""
    return escape(term(str(value), newlines=False))


def _label(r: Resource, graph: Graph) -> str:
    parts = [f"[bold]{_d(r.name)}[/] [dim]{_d(r.type)}[/]"]
    if r.custom and not r.is_provider:
        region = effective_region(r, graph) if r.package == "aws" else None
        if region:
            parts.append(f"[cyan]{_d(region)}[/]")
        if r.provider:
            parts.append(f"[dim]provider={_d(r.provider_urn.rsplit('::', 1)[-1] if r.provider_urn else '')}[/]")
    if r.options.protect:
        parts.append("[yellow]protected[/]")
    if r.read:
        parts.append("[magenta]read[/]")
    if r.remote:
        parts.append("[magenta]remote: children not visible offline[/]")
    if r.source:
        parts.append(f"[dim]{_d(r.source.file)}:{_d(r.source.line)}[/]")
    return "  ".join(parts)


def render_tree(graph: Graph) -> Tree:
    by_parent: dict[str | None, list[Resource]] = {}
    for r in graph.resources:
        by_parent.setdefault(r.parent, []).append(r)
    roots = by_parent.get(None, [])
    tree = Tree(f"[bold]{_d(graph.project)}/{_d(graph.stack)}[/]  ({len(graph.resources)} resources)")

    def add(node: Tree, r: Resource) -> None:
        child = node.add(_label(r, graph))
        for c in sorted(by_parent.get(r.urn, []), key=lambda x: (x.type, x.name)):
            add(child, c)

    for r in sorted(roots, key=lambda x: (x.type != "pulumi:pulumi:Stack", x.type, x.name)):
        add(tree, r)
    return tree


def render_counts(graph: Graph) -> Table:
    table = Table(title="Resources by type", show_lines=False)
    table.add_column("type")
    table.add_column("count", justify="right")
    for type_, n in graph.counts().items():
        table.add_row(Text(term(type_, newlines=False)), str(n))
    custom = sum(1 for r in graph.resources if r.custom and not r.is_provider)
    components = sum(1 for r in graph.resources if not r.custom)
    table.caption = f"{custom} cloud resources, {components} components, {len(graph.resources)} in all"
    return table


def register(app: typer.Typer) -> None:
    @app.command()
    def preview(
        program_dir: Annotated[Path | None, typer.Argument(help="A Pulumi Python program folder (default: this repository)")] = None,
        stack: Annotated[str | None, typer.Option("--stack", "-s", help="Stack name: stacks/Pulumi.NAME.yaml")] = None,
        config: Annotated[list[str] | None, typer.Option("--config", "-c", help="key=value override (repeatable)")] = None,
        secret_config: Annotated[list[str] | None, typer.Option("--secret-config", help=SECRET_CONFIG_HELP)] = None,
        secret_config_file: Annotated[Path | None, typer.Option("--secret-config-file", help=SECRET_CONFIG_FILE_HELP, allow_dash=True)] = None,
        timeout: Annotated[float, typer.Option("--timeout", min=1, help=TIMEOUT_HELP)] = DEFAULT_TIMEOUT,
        json_out: Annotated[Path | None, typer.Option("--json", help="Write the whole resource graph as JSON")] = None,
        unknowns: Annotated[bool, typer.Option("--unknowns/--resolved", help="Emulate a real preview: computed values unknown")] = False,
        stack_outputs: Annotated[list[str] | None, typer.Option("--stack-outputs", help=STACK_OUTPUTS_HELP)] = None,
    ) -> None:
        """Run a program offline (in its own interpreter, against siaga's engine) and print its resource tree."""
        secret_config = secret_config_items(secret_config, secret_config_file)
        with console.status("running the program offline…"):
            graph = load_graph(stack, program_dir, config or [], preview=unknowns, secret_config=secret_config,
                               timeout=timeout, stack_outputs=stack_outputs)
        console.print(render_tree(graph))
        console.print(render_counts(graph))
        for w in graph.warnings:
            console.print(Text.assemble(("warning:", "yellow"), " ", term(w)), highlight=False, soft_wrap=True)
        if json_out:
            try:
                graph.write(json_out)
            except OSError as exc:
                fail(f"--json {json_out}: cannot write there ({exc.strerror or exc})")
            console.print(f"graph written to {json_out}", markup=False, highlight=False)
