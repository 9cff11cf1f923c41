"""``siaga drill SCENARIO --stack NAME``: one failure on purpose, measured against the DRP (siaga/drill)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from siaga.commands.common import fail, load_graph
from siaga.documents.l10n import fixed
from siaga.drill import (
    SCENARIOS,
    DrillError,
    DrillResult,
    Endpoint,
    check_endpoint_options,
    expectation,
    plan,
    render_markdown,
    run,
)
from siaga.escape.terminal import text as term
from siaga.files import write_atomic
from siaga.i18n import LANGUAGES, Language, UnknownLanguage, language
from siaga.verify.runner import VerifyError

console = Console()


def _verify(graph: Any, outputs: dict[str, Any], endpoint: Endpoint) -> dict[str, Any]:
    """``siaga verify`` after the drill, through its runner: the public checks of the service (as --public; with
    the endpoint's --connect-to/--ca-file), then the host checks over SSM when the stack's hosts are known."""
    from siaga.verify import run_suite
    from siaga.verify.public import public_target_from_graph
    from siaga.verify.stack import hosts_from_outputs, settings_from_graph

    checks: list[dict[str, Any]] = []
    try:
        given = {k: v for k, v in (("connect_to", endpoint.connect_to), ("ca_file", endpoint.ca_file)) if v}
        public = run_suite(["local"], "local", public_target_from_graph(graph, **given))
        checks += [{"host": f"https://{endpoint.domain}", "check": r.check, "outcome": r.outcome,
                    "message": r.message} for r in public.results]
        try:
            settings = settings_from_graph(graph)
        except VerifyError:
            settings = None  # no siaga host baseline in this stack (EKS): the public checks only
        hosts: list[str] = []
        if settings is not None:
            try:
                hosts = hosts_from_outputs(outputs, "ssm")
            except VerifyError as exc:  # said in the evidence, never silently dropped
                checks.append({"host": "hosts", "check": "host baseline", "outcome": "skipped", "message": str(exc)})
        if settings is not None and hosts:
            host = run_suite(hosts, "ssm", settings)
            checks += [{"host": r.host, "check": r.check, "outcome": r.outcome, "message": r.message}
                       for r in host.results]
    except VerifyError as exc:
        return {"ok": False, "checks": checks, "error": str(exc)}
    ok = bool(checks) and all(c["outcome"] in {"passed", "skipped"} for c in checks)
    return {"ok": ok, "checks": checks, "error": ""}


def _stack_language(graph: Any) -> str:
    """The stack's ``siaga:documentLanguage`` (components/config.py StackConfig; ``id`` when unset, as for every
    document), read from the parsed config when the field exists there, else from the raw stack config."""
    from components.config import ConfigError, parse_config

    cfg = None
    if any(k.startswith("siaga:") for k in graph.config):
        try:
            cfg = parse_config(graph.config)
        except ConfigError:
            cfg = None
    value = getattr(cfg, "documentLanguage", None) or graph.config.get("siaga:documentLanguage") or "id"
    return str(value)


def _write(result: DrillResult, evidence: Path) -> tuple[Path, Path]:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    evidence.mkdir(parents=True, exist_ok=True)
    base = evidence / f"drill-{result.scenario}-{stamp}"
    md, js = base.with_suffix(".md"), base.with_suffix(".json")
    write_atomic(js, json.dumps(result.as_dict(), indent=2, default=str) + "\n")
    write_atomic(md, render_markdown(result))
    return md, js


def register(app: typer.Typer) -> None:
    @app.command("drill")
    def drill(
        scenario: Annotated[str, typer.Argument(help=f"One of: {', '.join(SCENARIOS)}.")],
        stack: Annotated[str, typer.Option("--stack", "-s", help="Stack: the DRP's RTO/RPO from its graph, the templates from its outputs.")],
        outputs: Annotated[Path | None, typer.Option("--outputs", help="JSON of `pulumi stack output --json` (else asks the Pulumi CLI).")] = None,
        program: Annotated[Path | None, typer.Option("--program", help="Another Pulumi program dir instead of this repository's.")] = None,
        config: Annotated[list[str] | None, typer.Option("--config", "-c", help="Stack config override KEY=VALUE.")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be started, the endpoint and the RTO; start nothing.")] = False,
        connect_to: Annotated[str | None, typer.Option("--connect-to", help="Probe this IP instead of resolving the name (SNI, Host and certificate keep the name).")] = None,
        port: Annotated[int | None, typer.Option("--port", help="Probe port (default 443, 80 with --http).")] = None,
        http: Annotated[bool, typer.Option("--http", help="Probe over plain HTTP (test endpoints only).")] = False,
        ca_file: Annotated[Path | None, typer.Option("--ca-file", help="PEM bundle to verify the endpoint's certificate with.")] = None,
        interval: Annotated[float, typer.Option("--interval", min=0.1, help="Seconds between probes.")] = 5.0,
        timeout: Annotated[float | None, typer.Option("--timeout", min=1, help="Longest the drill may run, seconds (default: 3 x RTO + 10 min).")] = None,
        settle: Annotated[int, typer.Option("--settle", min=1, help="Healthy probes in a row that count as recovered.")] = 3,
        evidence: Annotated[Path | None, typer.Option("--evidence", help="Folder for the evidence (default reports/STACK/LANG/drills, beside the DRP in that language).")] = None,
        verify: Annotated[bool, typer.Option("--verify/--no-verify", help="Run siaga verify (public + hosts) at the end.")] = True,
        lang: Annotated[str | None, typer.Option("--lang", help=f"Language of the evidence: {' or '.join(LANGUAGES)} (default: the stack's siaga:documentLanguage, else id).")] = None,
    ) -> None:
        """Run one drill (FIS experiment, or the primary health check inverted for fail-site), poll the public
        endpoint and the experiment, compare the outage with the DRP's RTO and write Markdown + JSON evidence.
        Exit 0 passed, 1 RTO missed (or not recovered), 2 could not run."""
        if scenario not in SCENARIOS:
            fail(f"scenario {scenario!r}; allowed: {', '.join(SCENARIOS)}")
        if lang is not None and lang not in LANGUAGES:
            fail(f"--lang {lang!r}; allowed: {', '.join(LANGUAGES)}")
        try:  # dry run or not, before the program runs or anything starts
            check_endpoint_options(connect_to, port, str(ca_file) if ca_file is not None else None)
        except DrillError as exc:
            fail(str(exc))
        from siaga.verify.stack import load_outputs

        graph = load_graph(stack, program, config or [])
        code = lang if lang is not None else _stack_language(graph)
        try:
            doc_lang: Language = language(code)
        except UnknownLanguage:
            fail(f"stack {stack}: siaga:documentLanguage {code!r}; allowed: {', '.join(LANGUAGES)}")
        domain = graph.config.get("siaga:domain")
        if not isinstance(domain, str) or not domain:
            fail(f"stack {stack}: no siaga:domain in its config: no public endpoint to probe")
        region = str(graph.config.get("aws:region") or "ap-southeast-3")
        try:
            from siaga.verify.public import public_target_from_graph

            target = public_target_from_graph(graph)
            exp = expectation(graph, scenario, doc_lang)
            the_plan = plan(scenario, load_outputs(stack, outputs), region, stack)
        except (DrillError, VerifyError) as exc:
            fail(str(exc))
        endpoint = Endpoint(domain=target.domain, health_path=target.health_path, connect_to=connect_to, port=port,
                            http=http, ca_file=str(ca_file) if ca_file else None)
        limit = timeout if timeout is not None else 3 * exp.rto_seconds + 600
        if dry_run:
            console.print(f"siaga drill {scenario} on {stack} (dry run: nothing started)", highlight=False, markup=False)
            console.print(f"  would run: aws {' '.join(the_plan.start)} --region {region} --output json",
                          highlight=False, markup=False, soft_wrap=True)
            if the_plan.stop:
                console.print(f"  undo/abort: aws {' '.join(the_plan.stop)}"
                              + (" <experiment id>" if scenario != "fail-site" else "") + f" --region {region}",
                              highlight=False, markup=False, soft_wrap=True)
            if scenario != "fail-site":
                console.print(f"  check first: aws fis list-actions --region {region}  (the template's actions "
                              "must exist in the region)", highlight=False, markup=False)
            console.print(f"  probe: {endpoint.url}" + (f" via {connect_to}" if connect_to else "")
                          + f" every {interval:g} s, at most {limit:.0f} s", highlight=False, markup=False)
            console.print(f"  DRP: {exp.drp_title}: RTO {exp.rto_seconds:.0f} s, RPO {exp.rpo_text}", highlight=False, markup=False)
            raise typer.Exit(0)
        out_dir = evidence if evidence is not None else Path("reports") / stack / doc_lang.code / "drills"
        try:
            result = run(stack=stack, the_plan=the_plan, exp=exp, endpoint=endpoint, interval=interval,
                         timeout=limit, settle=settle,
                         say=lambda line: console.print(term(line), highlight=False, markup=False, soft_wrap=True), lang=doc_lang)
        except DrillError as exc:
            fail(str(exc))
        if verify:
            outs = load_outputs(stack, outputs)
            with console.status("siaga verify after the drill ..."):
                result.verify = _verify(graph, outs, endpoint)
        try:
            md, js = _write(result, out_dir)
        except OSError as exc:
            fail(f"--evidence {out_dir}: cannot write ({exc.strerror})")
        _ = doc_lang.gettext
        verdict = f"[bold green]{_('PASS')}[/]" if result.passed else f"[bold red]{_('FAIL')}[/]"
        console.print(_("{verdict}: {scenario}: longest outage {longest} s, DRP RTO {rto} s").format(
            verdict=verdict, scenario=scenario, longest=fixed(doc_lang, result.longest_outage, 1),
            rto=fixed(doc_lang, exp.rto_seconds)), highlight=False)
        for problem in result.problems:
            console.print(f"[bold red]GAP[/] {escape(term(problem))}", highlight=False, soft_wrap=True)
        console.print(_("evidence: {files}").format(files=f"{md} {js}"), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(0 if result.passed else 1)
