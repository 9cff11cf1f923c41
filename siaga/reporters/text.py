"""Text: a summary line, then the findings grouped by enforcement level and pack (rich tables)."""

from __future__ import annotations

import io
from itertools import groupby

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from siaga.escape.terminal import text as term
from siaga.report_model import Report, ReportFinding


def _m(text: str) -> str:
    """Program text inside a markup string: control and bidi characters removed, markup escaped."""
    return escape(term(text, newlines=False))


STYLE = {"mandatory": "bold red", "advisory": "yellow", "remediate": "cyan", "disabled": "dim"}


def summary_line(report: Report) -> str:
    s = report.summary
    verdict = "FAILED" if not s.passed else "passed"
    if not s.passed and s.blocking != s.mandatory:
        verdict = f"FAILED ({s.blocking} new mandatory)"
    parts = [f"{s.mandatory} mandatory", f"{s.advisory} advisory"]
    if s.remediate:
        parts.append(f"{s.remediate} remediated")
    if s.errors:
        parts.append(f"{s.errors} policy errors")
    parts.append(f"{s.waived} waived")
    if report.base is not None:
        parts.append(f"against {report.base}: {s.new} new, {s.unchanged} unchanged, {s.fixed} fixed")
    if s.weakened:
        parts.append(f"{s.weakened} baseline settings weakened")
    return (f"siaga check {report.project}/{report.stack}: {verdict}: " + ", ".join(parts)
            + f" ({s.resources} resources, {s.policies} policies, {s.evaluations} evaluations)")


def _table(title: str, findings: list[ReportFinding], waived: bool = False) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    table.add_column("policy", no_wrap=True)
    table.add_column("resource", overflow="fold", max_width=40)
    table.add_column("message", overflow="fold", max_width=60)
    table.add_column("waiver" if waived else "fix", overflow="fold", max_width=44)
    table.add_column("at", no_wrap=True)
    for f in findings:
        last = (f"{f.waiver.reason} — {f.waiver.approver}, until {f.waiver.expires}" if waived and f.waiver
                else (f.remediation or ""))
        policy = escape(f.policy) + (" [red](raised)[/]" if f.error else "")
        title = f.title + (f" [{f.config_note}]" if f.config else "") + (" (new)" if f.status == "new" else "")
        table.add_row(policy, *(Text(term(v)) for v in (f.name or "(stack)", title, last, f.where)))
    return table


WIDE = 140
"""Below this console width a table's columns become unreadable: findings are printed as blocks."""


def _blocks(console: Console, title: str, findings: list[ReportFinding], waived: bool = False) -> None:
    console.print(title)
    for f in findings:
        policy = escape(f.policy) + (" [red](raised)[/]" if f.error else "")
        console.print(f"  • [bold]{policy}[/]  {_m(f.name or '(stack)')}  [dim]{_m(f.where)}[/]",
                      highlight=False, soft_wrap=True)
        console.print(f"      {term(f.title)}", highlight=False, markup=False, soft_wrap=True)
        if f.config:
            console.print(f"      {term(f.config_note)}", highlight=False, markup=False, soft_wrap=True)
        if waived and f.waiver:
            console.print(term(f"      waived: {f.waiver.reason} — {f.waiver.approver}, until {f.waiver.expires}"),
                          highlight=False, markup=False, soft_wrap=True)
        elif f.remediation:
            console.print(f"      fix: {term(f.remediation)}", highlight=False, markup=False, soft_wrap=True)


def _section(console: Console, title: str, findings: list[ReportFinding], waived: bool = False) -> None:
    if console.width >= WIDE:
        console.print(_table(title, findings, waived=waived))
    else:
        _blocks(console, title, findings, waived=waived)


SHOWN_PER_POLICY = 3
"""Advisory findings are grouped by policy: the count and the first few resources (twenty identical notices
would otherwise take sixty lines)."""


def print_deviations(report: Report, console: Console) -> None:
    if not report.deviations:
        return
    weak = report.weakening
    console.print(f"[bold red]policy config departs from the baseline[/] ({len(weak)} weaken the gate, "
                  f"{len(report.deviations) - len(weak)} other changes):", highlight=False)
    for d in report.deviations:
        mark = "WEAKENS" if d.effect == "weakens" else d.effect
        console.print(term(f"  - {mark}: {d.line}"), highlight=False, markup=False, soft_wrap=True)


def _advisory_groups(console: Console, findings: list[ReportFinding]) -> None:
    by_policy: dict[str, list[ReportFinding]] = {}
    for f in findings:
        by_policy.setdefault(f.rule_id, []).append(f)
    console.print(f"[{STYLE['advisory']}]advisory[/] ({len(findings)} findings, {len(by_policy)} policies)")
    for rule_id, items in by_policy.items():
        names = ", ".join(f.name or "(stack)" for f in items[:SHOWN_PER_POLICY])
        more = f" and {len(items) - SHOWN_PER_POLICY} more" if len(items) > SHOWN_PER_POLICY else ""
        console.print(f"  • [bold]{_m(rule_id)}[/] ({len(items)}): {_m(names)}{more}", highlight=False,
                      soft_wrap=True)
        console.print(term(f"      {items[0].description or items[0].title}"), highlight=False, markup=False,
                      soft_wrap=True)


def _plan_diff(report: Report, console: Console) -> None:
    plan = report.plan_diff
    if plan is None:
        return
    c = plan.counts()
    console.print(term(f"plan against {plan.against}: {c['create']} to create, {c['update']} to update, "
                       f"{c['replace']} to replace, {c['delete']} to delete, {c['same']} unchanged"),
                  highlight=False, markup=False, soft_wrap=True)
    for step in plan.replace + plan.delete:
        mark = "DATA LOSS " if step.stateful or step.protected else ""
        console.print(term(f"  - {mark}{step.op} {step.name} ({step.type}): {', '.join(step.reasons) or '-'}"),
                      highlight=False, markup=False, soft_wrap=True)


def print_report(report: Report, console: Console, quiet: bool = False) -> None:
    """``quiet``: the summary line and the violations (mandatory, remediated) only."""
    style = "bold green" if report.summary.passed else "bold red"
    console.print(term(summary_line(report)), style=style, highlight=False, markup=False, soft_wrap=True)
    for line in report.scope_lines:
        console.print(term(line), style="bold yellow", highlight=False, markup=False, soft_wrap=True)
    print_deviations(report, console)
    if not quiet:
        _plan_diff(report, console)
    for level in ("mandatory", "remediate"):
        findings = report.by_enforcement(level)
        for pack, group in groupby(sorted(findings, key=lambda f: f.pack), key=lambda f: f.pack):
            items = list(group)
            _section(console, f"[{STYLE[level]}]{level}[/] — {_m(pack)} ({len(items)})", items)
    if quiet:
        return
    if report.fixed:
        console.print(term(f"fixed against {report.base} ({len(report.fixed)}): " + ", ".join(
            f"{f.policy} on {f.name or '(stack)'}" for f in report.fixed)), highlight=False, markup=False,
            soft_wrap=True)
    if report.by_enforcement("advisory"):
        _advisory_groups(console, report.by_enforcement("advisory"))
    if report.waived:
        _section(console, f"[dim]waived[/] ({len(report.waived)})", report.waived, waived=True)
    plan = report.summary.plan
    what = f"in the state: {plan.create}" if report.summary.source == "state" else f"plan: {plan.create} to create"
    console.print(f"{what} ({plan.custom} cloud resources, {plan.components} components, "
                  f"{plan.providers} providers)", highlight=False)
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {_m(w)}", highlight=False, soft_wrap=True)
    console.print(term(f"packs: {', '.join(report.summary.packs)} · waivers: {report.waivers_file or 'none'}"),
                  highlight=False, markup=False, soft_wrap=True)


def render(report: Report) -> str:
    buf = io.StringIO()
    print_report(report, Console(file=buf, width=180, no_color=True, color_system=None, force_terminal=False))
    return buf.getvalue()
