"""``siaga verify``: runs the hardened-host checks (pytest-testinfra) against deployed hosts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from components.userdata import UserDataError, UserDataSettings
from siaga.commands.common import fail, load_graph
from siaga.files import write_atomic
from siaga.verify import BACKENDS, VerifyError, VerifyResult, run_suite
from siaga.verify.pods import DEPLOYMENT, PodBaseline, pod_baseline_from_graph, pods_of
from siaga.verify.public import PublicTarget, public_target_from_graph
from siaga.verify.stack import hosts_from_outputs, load_outputs, settings_from_graph

console = Console()
STYLE = {"passed": "green", "failed": "bold red", "error": "bold red", "skipped": "yellow", "not run": "bold magenta"}


def _settings(stack: str | None, program: Path | None, settings_file: Path | None, config: list[str],
              backend: str) -> UserDataSettings | PodBaseline:
    """The host baseline (UserDataSettings) or, with --backend kubectl, the pod baseline (PodBaseline)."""
    if settings_file is not None:
        from siaga.inputs import InputFileError, load_json_or_yaml

        try:  # bounded by bytes read, duplicate keys refused, one line (siaga/inputs.py)
            data = load_json_or_yaml(settings_file, "--settings", json_only=True)
        except InputFileError as exc:
            fail(str(exc))
        if not isinstance(data, dict):
            fail(f"--settings {settings_file}: expected a JSON object of the baseline settings")
        try:
            if backend == "kubectl":
                return PodBaseline.parse(data)
            return UserDataSettings.parse(data)
        except (UserDataError, VerifyError) as exc:
            fail(str(exc))
    if stack is None and program is None:
        fail("give --stack NAME (the baseline is read from its launch template) or --settings FILE")
    graph = load_graph(stack, program, config)
    try:
        return pod_baseline_from_graph(graph) if backend == "kubectl" else settings_from_graph(graph)
    except VerifyError as exc:
        if backend != "kubectl" and graph.of_type(DEPLOYMENT):
            fail(f"{exc}; this stack runs its service on Kubernetes: use --backend kubectl (pods) or --public")
        fail(str(exc))


def print_result(result: VerifyResult, backend: str) -> None:
    table = Table(title=f"siaga verify ({backend})", show_lines=False)
    for col in ("Host", "Check", "Result", "Detail"):
        table.add_column(col, overflow="fold")
    for r in sorted(result.results, key=lambda r: (r.host, r.outcome == "passed", r.check)):
        table.add_row(escape(r.host), escape(r.check), f"[{STYLE[r.outcome]}]{r.outcome.upper()}[/]", escape(r.message))
    console.print(table)
    counts = {k: sum(r.outcome == k for r in result.results) for k in STYLE}
    hosts = len({r.host for r in result.results})
    verdict = "[bold green]OK[/]" if result.ok else "[bold magenta]COULD NOT RUN[/]" if result.not_reached else \
        "[bold red]FAILED[/]"
    console.print(f"{verdict}: {hosts} host(s), {counts['passed']} passed, "
                  f"{counts['failed'] + counts['error']} failed, {counts['skipped']} skipped, {counts['not run']} not run")
    for r in result.failed:
        console.print(f"[bold red]FAIL[/] {escape(r.host)} {escape(r.check)}: {escape(r.message)}", highlight=False,
                      soft_wrap=True)
    for host in result.not_reached:
        reason = next(r.message for r in result.results if r.host == host and r.outcome == "not run")
        console.print(f"[bold magenta]NOT RUN[/] {escape(host)}: the host did not answer ({escape(reason)}); none of "
                      "its checks ran", highlight=False, soft_wrap=True)


def _public(stack: str | None, program: Path | None, config: list[str], domain: str | None,
            connect_to: str | None, ca_file: Path | None) -> VerifyResult:
    given = {k: v for k, v in (("domain", domain), ("connect_to", connect_to),
                                ("ca_file", str(ca_file) if ca_file else None)) if v is not None}
    try:
        if stack is not None or program is not None:
            target = public_target_from_graph(load_graph(stack, program, config), **given)
        elif domain is not None:
            target = PublicTarget.parse(given)
        else:
            fail("--public needs --stack NAME (its siaga:domain) or --domain NAME")
        with console.status(f"checking https://{target.domain} from this machine ..."):
            result = run_suite(["local"], "local", target)
    except VerifyError as exc:
        fail(str(exc))
    shown = f"https://{target.domain}" + (f" via {target.connect_to}" if target.connect_to else "")
    return VerifyResult(results=[replace(r, host=shown) for r in result.results], output=result.output,
                        junit_xml=result.junit_xml)


def _finish(result: VerifyResult, backend: str, junit: Path | None) -> NoReturn:
    print_result(result, backend)
    if junit is not None:
        try:
            junit.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(junit, result.junit_xml)
        except OSError as exc:
            fail(f"--junit {junit}: cannot write ({exc.strerror})")
    if result.not_reached:  # nothing was checked there: could not run, not "a check failed"
        raise typer.Exit(2)
    raise typer.Exit(0 if result.ok else 1)


def register(app: typer.Typer) -> None:
    @app.command("verify")
    def verify(
        stack: Annotated[str | None, typer.Option("--stack", "-s", help="Stack: baseline from its launch template, hosts from its outputs.")] = None,
        hosts: Annotated[list[str] | None, typer.Option("--hosts", help="Hosts (comma-separated or repeated): instance ids (ssm), names (ssh), root dirs (chroot), [ns/]pods (kubectl).")] = None,
        backend: Annotated[str, typer.Option("--backend", "-b", help=f"testinfra connection: {', '.join(BACKENDS)}.")] = "ssm",
        outputs: Annotated[Path | None, typer.Option("--outputs", help="JSON of `pulumi stack output --json` (else asks the Pulumi CLI).")] = None,
        settings_file: Annotated[Path | None, typer.Option("--settings", help="JSON of the baseline settings (instead of reading the stack).")] = None,
        program: Annotated[Path | None, typer.Option("--program", help="Another Pulumi program dir instead of this repository's.")] = None,
        mode: Annotated[str | None, typer.Option("--mode", help="live (running state too) or image; default image for chroot, else live.")] = None,
        endpoints: Annotated[bool, typer.Option("--endpoints/--no-endpoints", help="TLS, redirect and health checks.")] = True,
        config: Annotated[list[str] | None, typer.Option("--config", "-c", help="Stack config override KEY=VALUE.")] = None,
        junit: Annotated[Path | None, typer.Option("--junit", help="Also write the results as JUnit XML (CI dashboards, drill evidence).")] = None,
        kube_context: Annotated[str | None, typer.Option("--kube-context", help="kubectl context of the cluster to check (kubectl backend; default: the current one).")] = None,
        public: Annotated[bool, typer.Option("--public", help="Check the service's public name from this machine instead of the hosts (HTTPS with the certificate verified, redirect, TLS 1.2+ only, HSTS, certificate expiry).")] = False,
        domain: Annotated[str | None, typer.Option("--domain", help="With --public: the name to check (default: the stack's siaga:domain).")] = None,
        connect_to: Annotated[str | None, typer.Option("--connect-to", help="With --public: connect to this IP instead of resolving the name (one load balancer, the standby before a drill).")] = None,
        ca_file: Annotated[Path | None, typer.Option("--ca-file", help="With --public: PEM bundle to verify the certificate with (default: the system CAs).")] = None,
        standby: Annotated[bool, typer.Option("--standby", help="Check the replication to the standby database through the aws CLI: the DMS task is running and its CDC latency is under the stack's region-loss RPO.")] = False,
    ) -> None:
        """Run the host baseline checks (audit, time, updates, no SSH, sysctls, service, TLS proxy, logs);
        with --backend kubectl, the pod checks (non-root, no capabilities, seccomp, read-only root, health);
        with --public, the public name from here."""
        if backend not in BACKENDS:
            fail(f"--backend {backend!r}; allowed: {', '.join(BACKENDS)}")
        if mode is not None and mode not in {"live", "image"}:
            fail(f"--mode {mode!r}; allowed: live, image")
        if standby:
            from siaga.verify.standby import check_standby, standby_target_from_graph

            if stack is None and program is None:
                fail("--standby needs --stack NAME (its DMS task and latency alarm)")
            try:
                result = check_standby(standby_target_from_graph(load_graph(stack, program, config or [])))
            except VerifyError as exc:
                fail(str(exc))
            _finish(result, "standby", junit)
        if public:
            result = _public(stack, program, config or [], domain, connect_to, ca_file)
            _finish(result, "public", junit)
        settings = _settings(stack, program, settings_file, config or [], backend)
        host_list = [h.strip() for item in hosts or [] for h in item.split(",") if h.strip()]
        try:
            if not host_list and isinstance(settings, PodBaseline):
                host_list = pods_of(settings, kube_context)
            if not host_list:
                if stack is None:
                    fail("no hosts: give --hosts, or --stack NAME whose outputs name them")
                host_list = hosts_from_outputs(load_outputs(stack, outputs), backend)
            with console.status(f"checking {len(host_list)} host(s) over {backend} ..."):
                result = run_suite(host_list, backend, settings, mode=mode, endpoints=endpoints,
                                   kube_context=kube_context)
        except VerifyError as exc:
            fail(str(exc))
        _finish(result, backend, junit)
