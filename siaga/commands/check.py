"""``siaga check``: the offline preview, then the policy packs, then a report in the reviewer's format."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from siaga.commands.common import (
    DEFAULT_TIMEOUT,
    SECRET_CONFIG_FILE_HELP,
    SECRET_CONFIG_HELP,
    STACK_OUTPUTS_HELP,
    TIMEOUT_HELP,
    fail,
    secret_config_items,
    start_graph,
    wait_graph,
)
from siaga.engine.preview import REPO_ROOT
from siaga.files import write_atomic
from siaga.reporters import NAMES
from siaga.waivers import MAX_DAYS, NOT_WAIVABLE, WaiverError, load_waivers

if TYPE_CHECKING:
    from siaga.engine.model import Graph
    from siaga.report_model import Report

DEFAULT_PACK = REPO_ROOT / "policies"
console = Console()
err_console = Console(stderr=True)


def _parse_reports(specs: list[str]) -> list[tuple[str, Path]]:
    out = []
    for spec in specs:
        fmt, sep, path = spec.partition("=")
        if not sep or fmt not in NAMES or not path:
            fail(f"--report {spec!r}: expected FORMAT=FILE with FORMAT one of {', '.join(NAMES)}")
        out.append((fmt, Path(path)))
    return out


def _unique(targets: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """Two reports into one file would leave only the last: refused before anything runs."""
    seen: dict[Path, str] = {}
    for fmt, path in targets:
        key = path.resolve()
        if key in seen:
            fail(f"{path}: named for both the {seen[key]} and the {fmt} report; allowed: one file per report")
        seen[key] = fmt
    return targets


def _state_graph(state: Path, stack: str | None, program_dir: Path | None, config: list[str],
                 secret_config: list[str] | None, unknowns: bool) -> Graph:
    """``--state FILE``: the graph of an existing deployment (no program runs); the packs get ``--stack``'s config
    (this repository's stacks/Pulumi.NAME.yaml) when given, else the stack the URNs name and the config its default
    providers recorded. Exits 2 with one line on a bad file or a combination that has no meaning."""
    from siaga.engine.project import ProjectError, load_project, load_stack_config
    from siaga.engine.state import StateError, load_state

    if program_dir is not None:
        fail(f"--state {state} and PROGRAM_DIR {program_dir}: give one (--state checks a deployment's state, no program runs)")
    if unknowns:
        fail(f"--state {state} and --unknowns: a deployment's state has no unknown values; drop --unknowns")
    if config or secret_config:
        fail(f"--state {state} and --config/--secret-config: the state holds the values as deployed; "
             "give the packs' stack config with --stack NAME")
    cfg, secret_keys = None, None
    if stack is not None:
        try:
            cfg, secret_keys = load_stack_config(load_project(REPO_ROOT), stack)
        except ProjectError as exc:
            fail(str(exc))
    try:
        return load_state(state, stack=stack, config=cfg, secret_keys=secret_keys)
    except StateError as exc:
        fail(str(exc))


def _check_policy_config(path: Path) -> None:
    """``--policy-config`` read and validated before anything starts (the analysis reads it again, the same way):
    not a file, too big, not JSON/YAML, not an object, an unknown level or value: one line, exit 2."""
    from siaga.analyzer.config import load_policy_config, parse_layer
    from siaga.analyzer.errors import AnalyzerError

    if not path.exists():
        fail(f"--policy-config {path}: no such file")
    try:
        parse_layer(load_policy_config(path), str(path))
    except AnalyzerError as exc:
        fail(str(exc))


def run_check(stack: str | None, program_dir: Path | None, packs: list[Path], policy_config: Path | None,
              waivers: Path | None, config: list[str], unknowns: bool, show_progress: bool = True,
              secret_config: list[str] | None = None, waiver_max_days: int = MAX_DAYS,
              not_waivable: list[str] | None = None, timeout: float = DEFAULT_TIMEOUT,
              state: Path | None = None, stack_outputs: list[str] | None = None) -> Report:
    """Everything but the rendering; exits 2 with one line when something cannot run."""
    for p in packs:
        if not (p / "PulumiPolicy.yaml").is_file():
            fail(f"--policy-pack {p}: no PulumiPolicy.yaml there (a CrossGuard policy pack folder)")
    if policy_config is not None:
        _check_policy_config(policy_config)
    try:
        waiver_set = load_waivers(waivers, max_days=waiver_max_days)
    except WaiverError as exc:
        fail(str(exc))
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=err_console, transient=True, disable=not show_progress)
    seconds: dict[str, float] = {}
    with progress:
        t0 = time.perf_counter()
        if state is not None:
            if stack_outputs:
                fail(f"--state {state} and --stack-outputs: no program runs, so no StackReference is read")
            task = progress.add_task("reading the deployment's state", total=None)
            graph = _state_graph(state, stack, program_dir, config, secret_config, unknowns)
            live = None
            from siaga.analyzer import AnalyzerError, PackServer, StackEnv, analyze, prestart

            servers: list[PackServer] = []
            try:
                servers = prestart(packs, StackEnv.from_graph(graph))
            except AnalyzerError as exc:
                fail(str(exc))
        else:
            task = progress.add_task("running the program offline", total=None)
            running = start_graph(stack, program_dir, config, preview=unknowns, secret_config=secret_config,
                                  timeout=timeout, stack_outputs=stack_outputs)  # first: the critical path
            servers = []
            try:  # meanwhile (2 cores): import the harness, start the packs' servers (they import their policies)
                from siaga.analyzer import (
                    AnalyzerError,
                    LiveAnalysis,
                    PackServer,
                    StackEnv,
                    analyze,
                    prestart,
                )

                try:
                    servers = prestart(packs, StackEnv.of(running.project, running.stack, running.config, unknowns))
                except AnalyzerError as exc:
                    fail(str(exc))
                # each registration goes to the packs as it arrives (Analyze overlaps the program, as in the CLI)
                live = LiveAnalysis(running, servers, policy_config)
            except BaseException:
                running.cancel()
                for server in servers:
                    server.stop()
                raise
            try:
                graph = wait_graph(running)
            except BaseException:
                live.cancel()
                raise
        seconds["program" if state is None else "state"] = time.perf_counter() - t0
        progress.update(task, description=f"{'program' if state is None else 'state'}: {len(graph.resources)} "
                                          "resources", total=1, completed=1)
        tasks: dict[str, int] = {}

        def tick(label: str, done: int, total: int) -> None:
            pack = label.split(":", 1)[0]
            if pack not in tasks:
                tasks[pack] = progress.add_task(f"policies {pack}", total=total)
            progress.update(tasks[pack], completed=done, total=total)

        t1 = time.perf_counter()
        try:
            if live is not None:
                result = analyze(graph, packs=packs, policy_config=policy_config, progress=tick, live=live)
            else:
                result = analyze(graph, packs=packs, policy_config=policy_config, progress=tick, servers=servers)
        except AnalyzerError as exc:
            fail(str(exc))
        seconds["policies"] = time.perf_counter() - t1
    from siaga.report_model import build_report

    try:
        waiver_set.check_waivable([(p.pack, p.name, list(p.tags)) for p in result.policies],
                                  NOT_WAIVABLE if not_waivable is None else not_waivable)
    except WaiverError as exc:
        fail(str(exc))
    report = build_report(graph, result, waiver_set, seconds=seconds, pack_dirs=packs)
    return report


def register(app: typer.Typer) -> None:
    @app.command()
    def check(
        program_dir: Annotated[Path | None, typer.Argument(help="A Pulumi Python program folder (default: this repository)")] = None,
        stack: Annotated[str | None, typer.Option("--stack", "-s", help="Stack name: stacks/Pulumi.NAME.yaml")] = None,
        policy_pack: Annotated[list[Path] | None, typer.Option("--policy-pack", "-p", help="Policy pack folder (repeatable; default: policies/)")] = None,
        policy_config: Annotated[Path | None, typer.Option("--policy-config", help="Policy pack config JSON (as pulumi --policy-pack-config)")] = None,
        waivers: Annotated[Path | None, typer.Option("--waivers", help="Reviewed waivers YAML (policy, urn/glob, reason, approver, expires)")] = None,
        waiver_max_days: Annotated[int, typer.Option("--waiver-max-days", min=1, help="Longest a waiver may run from today")] = MAX_DAYS,
        not_waivable: Annotated[list[str] | None, typer.Option("--not-waivable", help="Policy, pack/policy or category:NAME no waiver may cover (repeatable; default category:residency)")] = None,
        fmt: Annotated[str, typer.Option("--format", "-f", help="text | markdown | sarif | junit | json")] = "text",
        output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here instead of stdout")] = None,
        report: Annotated[list[str] | None, typer.Option("--report", help="Also write FORMAT=FILE (repeatable), from the same run")] = None,
        config: Annotated[list[str] | None, typer.Option("--config", "-c", help="key=value stack config override (repeatable)")] = None,
        secret_config: Annotated[list[str] | None, typer.Option("--secret-config", help=SECRET_CONFIG_HELP)] = None,
        secret_config_file: Annotated[Path | None, typer.Option("--secret-config-file", help=SECRET_CONFIG_FILE_HELP, allow_dash=True)] = None,
        timeout: Annotated[float, typer.Option("--timeout", min=1, help=TIMEOUT_HELP)] = DEFAULT_TIMEOUT,
        unknowns: Annotated[bool, typer.Option("--unknowns/--resolved", help="Emulate a real preview: computed values unknown")] = False,
        state: Annotated[Path | None, typer.Option("--state", help="Check an existing deployment instead of a program: the output of `pulumi stack export` (no program runs)")] = None,
        stack_outputs: Annotated[list[str] | None, typer.Option("--stack-outputs", help=STACK_OUTPUTS_HELP)] = None,
    ) -> None:
        """Run the program offline (or read a deployment's --state) and the policy packs on it; exit 0 clean,
        1 mandatory violation, 2 could not run."""
        if fmt not in NAMES:
            fail(f"--format {fmt!r}: allowed: {', '.join(NAMES)}")
        # with --state no program runs: SIAGA_SECRET_CONFIG (set for a whole CI job) is not an error there
        secret_config = secret_config_items(secret_config, secret_config_file, use_environment=state is None)
        targets = _unique([(fmt, output)] * (output is not None) + _parse_reports(report or []))
        packs = [p.resolve() for p in (policy_pack or [DEFAULT_PACK])]
        result = run_check(stack, program_dir, packs, policy_config, waivers, config or [], unknowns,
                           show_progress=err_console.is_terminal, secret_config=secret_config,
                           waiver_max_days=waiver_max_days, not_waivable=not_waivable, timeout=timeout,
                           state=state, stack_outputs=stack_outputs)
        from siaga.reporters import FORMATS
        from siaga.reporters.text import print_report, summary_line

        for efmt, path in targets:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(path, FORMATS[efmt](result))
            except OSError as exc:
                fail(f"{path}: cannot write the {efmt} report ({exc.strerror})")
        try:  # standard output on a full disk or a failing device: one line, exit 2 (not 0 with nothing written)
            if output is None and fmt == "text":
                print_report(result, console)
            elif output is None:
                sys.stdout.write(FORMATS[fmt](result))
            else:
                console.print(summary_line(result), style="bold green" if result.summary.passed else "bold red",
                              highlight=False, markup=False, soft_wrap=True)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            fail(f"standard output: cannot write the report ({exc.strerror or exc})")
        raise typer.Exit(result.summary.exit_code)
