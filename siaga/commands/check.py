"""``siaga check``: the offline preview, then the policy packs, then a report in the reviewer's format."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    from siaga.report_model import Report, ReportFinding

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
              state: Path | None = None, stack_outputs: list[str] | None = None, base: str | None = None,
              base_report: Path | None = None, gate: str = "new", checks: list[str] | None = None,
              skip_checks: list[str] | None = None, deployed: Path | None = None,
              graph_out: list[Graph] | None = None) -> Report:
    """Everything but the rendering; exits 2 with one line when something cannot run.

    Then, in order: the findings tied to the stack-file keys that cause them (provenance), compared with the base
    (``base``/``base_report``: new, unchanged, fixed, and the plan diff with its data-loss findings), and the
    counts every format reads (``Report.refresh_summary``). ``graph_out`` receives the graph checked (the
    cross-stack rules of ``--all-stacks`` read it)."""
    if base is not None and base_report is not None:
        fail(f"--base {base} and --base-report {base_report}: give one")
    if gate not in GATES:
        fail(f"--gate {gate!r}: allowed: {', '.join(GATES)}")
    root = (program_dir or REPO_ROOT).resolve()
    stack_file, stack = _stack_file(root, stack, program_dir, state)
    waivers, waivers_shown = _waivers_path(waivers, stack_file, stack)
    deployed_graph = _deployed(deployed, state) if deployed is not None else None
    base_data = None
    if base_report is not None:
        from siaga.baseline import BaseError, load_base_report

        try:
            base_data = load_base_report(base_report)
        except BaseError as exc:
            fail(str(exc))
    report, graph = _check_graph(stack, program_dir, packs, policy_config, waivers, config, unknowns,
                                 show_progress, secret_config, waiver_max_days, not_waivable, timeout, state,
                                 stack_outputs)
    if graph_out is not None:
        graph_out.append(graph)
    report.summary.gate = gate if (base is not None or base_report is not None) else "absolute"
    report.waivers_file = waivers_shown
    _select(report, checks or [], skip_checks or [])
    from siaga.plan_diff import plan_resources
    from siaga.provenance import key_lines, read_text, redact, shown_values
    from siaga.report_model import links_from_env

    report.links = links_from_env(dict(os.environ))
    report.plan_resources = plan_resources(graph)
    lines = key_lines(read_text(stack_file) or "", graph.project) if stack_file is not None else {}
    lines = redact(lines, graph.config)
    report.config_keys = shown_values(lines)
    report.stack_file = report.relative(str(stack_file)) if stack_file is not None and stack_file.is_file() else None
    _declared_provenance(report, graph, lines)
    if base is not None:
        base_data = _base_run(base, root, program_dir, stack, stack_file, packs, policy_config, waivers, config,
                              unknowns, secret_config, waiver_max_days, not_waivable, timeout, stack_outputs,
                              state)
    if base_data is not None and (checks or skip_checks):  # the base judged by the same policies
        kept = _kept(checks or [], skip_checks or [])
        base_data = ([f for f in base_data[0] if kept(f.pack, f.policy)], *base_data[1:])
    if base_data is not None:
        label = base if base is not None else f"report {report.relative(str(Path(str(base_report)).resolve()))}"
        _against_base(report, graph, base_data, label, lines)
    if deployed_graph is not None:
        _against_deployed(report, graph, deployed_graph, deployed)
    report.refresh_summary()
    return report


GATES = ("new", "absolute")


def _deployed(path: Path, state: Path | None) -> Graph:
    """``--deployed FILE``: the deployed stack's ``pulumi stack export``, read before the program runs."""
    from siaga.engine.state import StateError, load_state

    if state is not None:
        fail(f"--deployed {path} and --state {state}: --state checks a deployment instead of the program; "
             "--deployed compares the program with one; give one")
    try:
        return load_state(path)
    except StateError as exc:
        fail(str(exc))


def _against_deployed(report: Report, graph: Graph, deployed: Graph, path: Path) -> None:
    """The plan diff against what is deployed (a base revision's graph may differ from it): its data-loss findings
    are new by definition (the deployment does not have them yet)."""
    from siaga.plan_diff import diff, plan_resources, policy_rows

    declared = {f.urn: f.source for f in report.findings + report.waived if f.urn and f.source}
    where = {r.urn: declared.get(r.urn) or _declared_at(r, report) for r in graph.resources}
    plan, lost = diff(plan_resources(deployed), report.plan_resources, graph.stack, graph.project,
                      f"the deployed state {path.name}", locate=where.get)
    report.plan_diff = plan
    report.policies += [r for r in policy_rows() if r.rule_id not in {p.rule_id for p in report.policies}]
    report.findings = [f for f in report.findings if f.pack != "siaga-plan"]
    report.findings = lost + report.findings


def _stack_file(root: Path, stack: str | None, program_dir: Path | None,
                state: Path | None) -> tuple[Path | None, str | None]:
    """The stack file the run reads (``Pulumi.<stack>.yaml`` in the project's stackConfigDir) and the stack."""
    from siaga.commands.common import select_stack
    from siaga.engine.project import ProjectError, load_project

    if state is not None and stack is None:
        return None, None
    if program_dir is not None and not (program_dir / "Pulumi.yaml").is_file():
        return None, stack  # start_graph says what is wrong
    try:
        project = load_project(root)
        if stack is None:
            stack = select_stack(root)
        return (project.stack_file(stack) if stack else None), stack
    except ProjectError as exc:
        fail(str(exc))


def _waivers_path(given: Path | None, stack_file: Path | None, stack: str | None) -> tuple[Path | None, str | None]:
    """``--waivers FILE``, else by convention ``waivers.<stack>.yaml`` beside the stack file (``siaga new`` writes
    ``stacks/waivers.<stack>.yaml``), used when present; the one used is stated in every report."""
    if given is not None:
        from siaga.report_model import repo_root_for

        try:
            return given, given.resolve().relative_to(repo_root_for(given.resolve().parent)).as_posix()
        except ValueError:
            return given, given.name
    if stack_file is None or stack is None:
        return None, None
    from siaga.report_model import repo_root_for

    candidate = stack_file.parent / f"waivers.{stack}.yaml"
    if not candidate.is_file():
        return None, None
    try:
        shown = candidate.resolve().relative_to(repo_root_for(candidate.parent)).as_posix()
    except ValueError:
        shown = candidate.name
    return candidate, shown


def _select(report: Report, checks: list[str], skip: list[str]) -> None:
    """``--check``/``--skip-check``: only those policies, or all but those (``pack/policy`` or the policy name);
    every skipped mandatory policy is listed as a deviation that weakens the gate, like a policy config would."""
    if not checks and not skip:
        return
    from siaga.analyzer.deviations import Deviation

    known = {p.rule_id for p in report.policies} | {p.name for p in report.policies}
    for flag, ids in (("--check", checks), ("--skip-check", skip)):
        for pid in ids:
            if pid not in known:
                fail(f"{flag} {pid}: no such policy in the packs; allowed: a policy name or pack/policy "
                     f"(e.g. {report.policies[0].name if report.policies else 'protect-stateful'})")

    kept = _kept(checks, skip)
    dropped = [p for p in report.policies if not kept(p.pack, p.name)]
    report.policies = [p for p in report.policies if kept(p.pack, p.name)]
    report.findings = [f for f in report.findings if kept(f.pack, f.policy)]
    report.waived = [f for f in report.waived if kept(f.pack, f.policy)]
    flag = "--check" if checks else "--skip-check"
    report.deviations += [Deviation(pack=p.pack, policy=p.name, setting="enforcementLevel", baseline=p.enforcement,
                                    effective="disabled", effect="weakens" if p.enforcement != "disabled" else
                                    "changes", detail=f"not run ({flag}, a local run's choice)")
                          for p in dropped]
    report.deviations.sort(key=lambda d: d.effect != "weakens")
    report.summary.policies = len(report.policies)
    report.summary.evaluations = sum(len(p.evaluated) for p in report.policies)
    report.summary.weakened = sum(1 for d in report.deviations if d.effect == "weakens")


def _kept(checks: list[str], skip: list[str]) -> Any:
    """``--check``/``--skip-check`` as a predicate on (pack, policy); the plan diff's own rules are always kept."""
    def kept(pack: str, name: str) -> bool:
        ids = {name, f"{pack}/{name}"}
        return pack == "siaga-plan" or ((not checks or bool(ids & set(checks))) and not ids & set(skip))

    return kept


def _declared_provenance(report: Report, graph: Graph, lines: dict) -> None:
    from siaga.provenance import declared_source
    from siaga.report_model import ConfigSource

    secret = {k for k, v in graph.config.items() if v == "[secret]"}
    for f in report.findings + report.waived:
        found = declared_source(f.policy, lines, graph.project, graph.config, secret)
        if found is None:
            continue
        rule, key, kl, shown = found
        f.config = ConfigSource(key=key, value=shown, file=report.stack_file if kl else None,
                                line=kl.line if kl else None, how="declared", why=rule.why)


def _against_base(report: Report, graph: Graph, base_data: tuple, label: str, lines: dict) -> None:
    """New/unchanged/fixed, the stack-file keys the change touched for the new findings, and the plan diff."""
    from siaga.baseline import compare
    from siaga.plan_diff import diff, policy_rows
    from siaga.provenance import changed_keys
    from siaga.report_model import ConfigSource

    findings, resources, base_keys, _ = base_data
    if resources:
        declared = {f.urn: f.source for f in report.findings + report.waived if f.urn and f.source}
        where = {r.urn: declared.get(r.urn) or _declared_at(r, report) for r in graph.resources}
        plan, lost = diff(resources, report.plan_resources, graph.stack, graph.project, f"base {label}",
                          locate=where.get)
        report.plan_diff = plan
        rows = policy_rows()
        report.policies += [r for r in rows if r.rule_id not in {p.rule_id for p in report.policies}]
        report.findings = lost + report.findings
    compare(report, findings, label)
    # a stack file the base did not have: every key is new, none is "the change" (declared keys still say so)
    changed = changed_keys(base_keys, lines) if report.stack_file and base_keys else []
    if changed:
        by_urn = graph.by_urn()
        for f in report.findings + report.waived:
            if f.status == "new" and f.config is None:
                key = _likely_key(f, changed, by_urn)
                f.config = ConfigSource(key=key.path, value=key.shown, file=report.stack_file, line=key.line,
                                        how="changed", others=[c.path for c in changed if c is not key])


def _declared_at(resource: Any, report: Report) -> Any:
    """A resource's declaration, relative to the repository root, as the report shows locations."""
    from siaga.report_model import Location

    if resource.source is None:
        return None
    return Location(file=report.relative(str(Path(report.program) / resource.source.file)), line=resource.source.line)


def _likely_key(f: ReportFinding, changed: list, by_urn: dict) -> Any:
    """Which changed key most likely caused a new finding: the one whose new value the message quotes, else the one
    whose value the resource's inputs hold, else the first changed line (the others are listed with it)."""
    import json

    from siaga.engine.model import plain

    values = [(k, k.shown) for k in changed if k.shown not in ("", "(removed)", "[secret]") and len(k.shown) > 1]
    for k, v in values:
        if v in f.message:
            return k
    res = by_urn.get(f.urn or "")
    if res is not None:
        inputs = json.dumps(plain(res.inputs), default=str)
        for k, v in values:
            if v in inputs:
                return k
    return changed[0]


def _base_run(ref: str, root: Path, program_dir: Path | None, stack: str | None, stack_file: Path | None,
              packs: list[Path], policy_config: Path | None, waivers: Path | None, config: list[str],
              unknowns: bool, secret_config: list[str] | None, waiver_max_days: int,
              not_waivable: list[str] | None, timeout: float, stack_outputs: list[str] | None,
              state: Path | None) -> tuple:
    """The same stack checked at ``ref`` (a temporary git worktree): the program, the stack file and the packs
    that live in the repository come from ``ref``; everything given by path from outside it stays as given."""
    from siaga.baseline import BaseError, link_virtualenv, worktree
    from siaga.engine.project import ProjectError, load_project
    from siaga.plan_diff import plan_resources
    from siaga.provenance import key_lines, read_text, redact, shown_values
    from siaga.report_model import repo_root_for

    if state is not None:
        fail(f"--base {ref} and --state {state}: the state is the base already (its plan diff is against it); "
             "give one")
    repo = repo_root_for(root)
    if not (repo / ".git").exists():
        fail(f"--base {ref}: {root} is not inside a git checkout (give --base-report FILE instead)")

    def inside(path: Path, there: Path) -> Path:
        try:
            return there / path.resolve().relative_to(repo)
        except ValueError:
            return path

    try:
        with worktree(repo, ref) as there:
            base_root = inside(root, there)
            if not (base_root / "Pulumi.yaml").is_file():  # a program the pull request adds: all of it is new
                return [], [], {}, stack or ""
            with contextlib.suppress(ProjectError, OSError):
                link_virtualenv(root, base_root, load_project(root).runtime_options)
            base_packs = [inside(p, there) if inside(p, there).is_dir() else p for p in packs]
            base_stack_file = inside(stack_file, there) if stack_file is not None else None
            if stack is not None and base_stack_file is not None and not base_stack_file.is_file():
                report, graph = None, None  # a stack the base did not have: everything is new
            else:
                report, graph = _check_graph(stack, base_root, base_packs, policy_config, waivers, config, unknowns,
                                             False, secret_config, waiver_max_days, not_waivable, timeout, None,
                                             stack_outputs, base_label=ref)
            text = read_text(base_stack_file)
    except BaseError as exc:
        fail(str(exc))
    keys = shown_values(redact(key_lines(text, graph.project if graph else ""), graph.config if graph else {})) \
        if text is not None else {}
    if report is None or graph is None:
        return [], [], keys, stack or ""
    return report.findings + report.waived, plan_resources(graph), keys, graph.stack


def _check_graph(stack: str | None, program_dir: Path | None, packs: list[Path], policy_config: Path | None,
                 waivers: Path | None, config: list[str], unknowns: bool, show_progress: bool = True,
                 secret_config: list[str] | None = None, waiver_max_days: int = MAX_DAYS,
                 not_waivable: list[str] | None = None, timeout: float = DEFAULT_TIMEOUT,
                 state: Path | None = None, stack_outputs: list[str] | None = None,
                 base_label: str | None = None) -> tuple[Report, Graph]:
    """One check of one revision: the program run offline (or the state read), the packs, the report."""
    from siaga.engine.project import ProjectError, load_policy_pack

    where = f" (at the base {base_label})" if base_label else ""
    for p in packs:
        if not (p / "PulumiPolicy.yaml").is_file():
            fail(f"--policy-pack {p}{where}: no PulumiPolicy.yaml there (a CrossGuard policy pack folder)")
        try:
            load_policy_pack(p)  # the CLI's rules for the pack file, before any program runs
        except ProjectError as exc:
            fail(f"{exc}{where}")
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
    return report, graph


def _all_stacks(program_dir: Path | None, packs: list[Path], policy_config: Path | None, fmt: str,
                output: Path | None, unknowns: bool, secret_config: list[str], timeout: float,
                stack_outputs: list[str] | None, checks: list[str], skip: list[str], quiet: bool,
                waiver_max_days: int, not_waivable: list[str] | None) -> None:
    """``--all-stacks`` (siaga/commands/all_stacks.py): every stack's report, the cross-stack findings, exit 1 on
    any mandatory finding of either."""
    from siaga.commands import all_stacks as every
    from siaga.escape.terminal import text as term
    from siaga.reporters.text import print_report

    if output is None and fmt in ("sarif", "junit"):
        every.render({}, [], fmt)  # one line, exit 2, before anything runs
    reports, found = every.run_all(program_dir, packs, policy_config, unknowns, secret_config, timeout,
                                   stack_outputs, checks, skip, show_progress=err_console.is_terminal,
                                   waiver_max_days=waiver_max_days, not_waivable=not_waivable)
    try:
        if output is not None:
            every.write_dir(reports, fmt, output)
        elif fmt == "text":
            for report in reports.values():
                print_report(report, console, quiet=quiet)
        else:
            sys.stdout.write(every.render(reports, found, fmt))
        if fmt == "text" or output is not None:
            for line in every.summary_lines(reports, found):
                console.print(term(line), highlight=False, markup=False, soft_wrap=True)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        fail(f"standard output: cannot write the report ({exc.strerror or exc})")
    raise typer.Exit(every.exit_code(reports))


def _ids(values: list[str] | None) -> list[str]:
    """``--check a,b --check c`` -> ``[a, b, c]``."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def register(app: typer.Typer) -> None:
    @app.command()
    def check(
        program_dir: Annotated[Path | None, typer.Argument(help="A Pulumi Python program folder (default: this repository)")] = None,
        stack: Annotated[str | None, typer.Option("--stack", "-s", help="Stack name: stacks/Pulumi.NAME.yaml")] = None,
        policy_pack: Annotated[list[Path] | None, typer.Option("--policy-pack", "-p", help="Policy pack folder (repeatable; default: policies/)")] = None,
        policy_config: Annotated[Path | None, typer.Option("--policy-config", "--policy-pack-config", help="Policy pack config JSON (as pulumi --policy-pack-config)")] = None,
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
        base: Annotated[str | None, typer.Option("--base", help="Compare with the same stack at this git revision (a temporary worktree): findings new / unchanged / fixed, the plan diff, data loss")] = None,
        base_report: Annotated[Path | None, typer.Option("--base-report", help="Compare with a JSON report saved from the base (instead of --base)")] = None,
        gate: Annotated[str, typer.Option("--gate", help="With a base: new (exit 1 on new mandatory findings) | absolute (on any)")] = "new",
        check_ids: Annotated[list[str] | None, typer.Option("--check", help="Only these policies (ID or pack/ID, comma-separated, repeatable; a local run's choice, listed as a deviation)")] = None,
        skip_check: Annotated[list[str] | None, typer.Option("--skip-check", help="All policies but these (ID or pack/ID, comma-separated, repeatable; listed as a deviation)")] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Text: the summary and the violations only")] = False,
        deployed: Annotated[Path | None, typer.Option("--deployed", help="Plan diff against the deployed stack: `pulumi stack export` output (what would be created, updated, replaced, deleted; data loss first)")] = None,
        all_stacks: Annotated[bool, typer.Option("--all-stacks", help="Every stack file of the project (its stackConfigDir), each reported as with --stack, plus the cross-stack rules (a DNS name claimed by two stacks); --output is then a folder")] = False,
    ) -> None:
        """Run the program offline (or read a deployment's --state) and the policy packs on it; exit 0 clean,
        1 mandatory violation, 2 could not run."""
        if fmt not in NAMES:
            fail(f"--format {fmt!r}: allowed: {', '.join(NAMES)}")
        # with --state no program runs: SIAGA_SECRET_CONFIG (set for a whole CI job) is not an error there
        if all_stacks:
            from siaga.commands import all_stacks as every

            every.refuse_options({"--stack": stack, "--state": state, "--base": base, "--base-report": base_report,
                                  "--deployed": deployed, "--report": report, "--config": config,
                                  "--waivers": waivers})
        secret_config = secret_config_items(secret_config, secret_config_file, use_environment=state is None)
        if all_stacks:
            _all_stacks(program_dir, [p.resolve() for p in (policy_pack or [DEFAULT_PACK])], policy_config, fmt,
                        output, unknowns, secret_config, timeout, stack_outputs, _ids(check_ids), _ids(skip_check),
                        quiet, waiver_max_days, not_waivable)
        targets = _unique([(fmt, output)] * (output is not None) + _parse_reports(report or []))
        packs = [p.resolve() for p in (policy_pack or [DEFAULT_PACK])]
        result = run_check(stack, program_dir, packs, policy_config, waivers, config or [], unknowns,
                           show_progress=err_console.is_terminal, secret_config=secret_config,
                           waiver_max_days=waiver_max_days, not_waivable=not_waivable, timeout=timeout,
                           state=state, stack_outputs=stack_outputs, base=base, base_report=base_report, gate=gate,
                           checks=_ids(check_ids), skip_checks=_ids(skip_check), deployed=deployed)
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
                print_report(result, console, quiet=quiet)
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
