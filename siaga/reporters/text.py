"""Text: a summary line, then the findings grouped by enforcement level and pack (rich tables)."""

from __future__ import annotations

import io
from itertools import groupby

from rich.console import Console
from rich.table import Table

from siaga.report_model import Report, ReportFinding

STYLE = {"mandatory": "bold red", "advisory": "yellow", "remediate": "cyan", "disabled": "dim"}


def summary_line(report: Report) -> str:
    s = report.summary
    verdict = "FAILED" if not s.passed else "passed"
    parts = [f"{s.mandatory} mandatory", f"{s.advisory} advisory"]
    if s.remediate:
        parts.append(f"{s.remediate} remediated")
    if s.errors:
        parts.append(f"{s.errors} policy errors")
    parts.append(f"{s.waived} waived")
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
        policy = f.policy + (" [red](raised)[/]" if f.error else "")
        table.add_row(policy, f.name or "(stack)", f.title, last, f.where)
    return table


WIDE = 140
"""Below this console width a table's columns become unreadable: findings are printed as blocks."""


def _blocks(console: Console, title: str, findings: list[ReportFinding], waived: bool = False) -> None:
    console.print(title)
    for f in findings:
        policy = f.policy + (" [red](raised)[/]" if f.error else "")
        console.print(f"  • [bold]{policy}[/]  {f.name or '(stack)'}  [dim]{f.where}[/]", highlight=False,
                      soft_wrap=True)
        console.print(f"      {f.title}", highlight=False, markup=False, soft_wrap=True)
        if waived and f.waiver:
            console.print(f"      waived: {f.waiver.reason} — {f.waiver.approver}, until {f.waiver.expires}",
                          highlight=False, markup=False, soft_wrap=True)
        elif f.remediation:
            console.print(f"      fix: {f.remediation}", highlight=False, markup=False, soft_wrap=True)


def _section(console: Console, title: str, findings: list[ReportFinding], waived: bool = False) -> None:
    if console.width >= WIDE:
        console.print(_table(title, findings, waived=waived))
    else:
        _blocks(console, title, findings, waived=waived)


def print_report(report: Report, console: Console) -> None:
    style = "bold green" if report.summary.passed else "bold red"
    console.print(summary_line(report), style=style, highlight=False, soft_wrap=True)
    for level in ("mandatory", "remediate", "advisory"):
        findings = report.by_enforcement(level)
        for pack, group in groupby(sorted(findings, key=lambda f: f.pack), key=lambda f: f.pack):
            items = list(group)
            _section(console, f"[{STYLE[level]}]{level}[/] — {pack} ({len(items)})", items)
    if report.waived:
        _section(console, f"[dim]waived[/] ({len(report.waived)})", report.waived, waived=True)
    plan = report.summary.plan
    console.print(f"plan: {plan.create} to create ({plan.custom} cloud resources, {plan.components} components, "
                  f"{plan.providers} providers)", highlight=False)
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True)


def render(report: Report) -> str:
    buf = io.StringIO()
    print_report(report, Console(file=buf, width=180, no_color=True, color_system=None, force_terminal=False))
    return buf.getvalue()
