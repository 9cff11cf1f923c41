"""Markdown for the pull-request comment: counts, the violations table, collapsible details, the plan."""

from __future__ import annotations

from siaga.escape.markdown import code as md_code
from siaga.escape.markdown import text as md_text
from siaga.report_model import Report, ReportFinding

MARKER = "<!-- siaga-check {project}/{stack} -->"
"""First line of the comment: the workflow finds its previous comment for the stack by it and updates it."""
MAX_ROWS = 150
MAX_CHARS = 60_000
"""GitHub rejects comments over 65,536 characters: past this the per-finding details are dropped."""
ICON = {"mandatory": "🛑", "advisory": "⚠️", "remediate": "🔧", "disabled": "·"}


def _cell(text: str | None, limit: int = 0) -> str:
    text = (text or "").strip()
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return md_text(text)


def _row(f: ReportFinding) -> str:
    where = md_code(f.where) if f.source else ""
    policy = md_code(f.rule_id) + (" (raised)" if f.error else "")
    return (f"| {ICON.get(f.enforcement, '')} {f.enforcement} | {policy} | {_cell(f.severity or '')} | "
            f"{_cell(f.resource, 120)} | {_cell(f.title, 300)} | {where} |")


def _details(findings: list[ReportFinding]) -> list[str]:
    out = []
    for f in findings:
        out.append(f"- **{md_text(f.rule_id)}** on {md_code(f.urn or '(stack)')}"
                   + (f" at {md_code(f.where)}" if f.source else ""))
        out.append(f"  - {_cell(f.description)}")
        if f.remediation:
            out.append(f"  - fix: {_cell(f.remediation)}")
        if f.frameworks:
            out.append(f"  - controls: {', '.join(f.frameworks)}")
    return out


def render(report: Report) -> str:
    text = _render(report, details=True, rows=MAX_ROWS)
    rows = MAX_ROWS
    while len(text) > MAX_CHARS and rows > 10:
        text = _render(report, details=False, rows=rows)
        rows //= 2
    return text


def _render(report: Report, details: bool, rows: int) -> str:
    s = report.summary
    status = "✅ passed" if s.passed else f"❌ {s.mandatory} mandatory violation{'s' if s.mandatory != 1 else ''}"
    out = [MARKER.format(project=md_text(report.project), stack=md_text(report.stack)),
           f"## Siaga policy check — {md_code(report.project + '/' + report.stack)}: {status}", ""]
    out += ["| mandatory | advisory | remediated | policy errors | waived | resources | policies | evaluations |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {s.mandatory} | {s.advisory} | {s.remediate} | {s.errors} | {s.waived} | {s.resources} | "
            f"{s.policies} | {s.evaluations} |", ""]
    out += [f"> **{_cell(line.split(':', 1)[0])}:** {_cell(line.split(':', 1)[1])}" for line in report.scope_lines]
    out += [""] if report.scope_lines else []
    if report.deviations:
        weak = report.weakening
        out += [f"### {'⚠️ ' if weak else ''}Policy configuration departs from the baseline "
                f"({len(weak)} weaken the gate)", "", "| effect | policy | change |", "|---|---|---|"]
        out += [f"| {'**weakens**' if d.effect == 'weakens' else d.effect} | {md_code(d.pack + '/' + d.policy)} | "
                f"{_cell(d.detail)} |" for d in report.deviations]
        out.append("")
    if report.findings:
        out += ["### Violations", "", "| level | policy | severity | resource | message | at |",
                "|---|---|---|---|---|---|"]
        out += [_row(f) for f in report.findings[:rows]]
        if len(report.findings) > rows:
            out.append(f"\n_{len(report.findings) - rows} more: see the SARIF / JSON artifacts._")
        if details:
            out += ["", "<details><summary>Details and fixes</summary>", ""]
            out += _details(report.findings[:rows])
            out += ["", "</details>", ""]
        else:
            out += ["", "_Details left out to fit a comment: see the SARIF / JSON artifacts._", ""]
    else:
        out += ["No unwaived findings.", ""]
    if report.waived:
        out += [f"<details><summary>Waived ({len(report.waived)})</summary>", "",
                "| policy | resource | reason | approver | expires |", "|---|---|---|---|---|"]
        for f in report.waived:
            w = f.waiver
            out.append(f"| {md_code(f.rule_id)} | {_cell(f.resource)} | {_cell(w.reason if w else '')} | "
                       f"{_cell(w.approver if w else '')} | {w.expires if w else ''} |")
        out += ["", "</details>", ""]
    plan = s.plan
    what = "In the state: " + str(plan.create) if s.source == "state" else f"Plan: {plan.create} to create"
    out += [f"<details><summary>{what} ({plan.custom} cloud resources, "
            f"{plan.components} components, {plan.providers} providers)</summary>", "",
            "| type | count |", "|---|---:|"]
    out += [f"| {md_code(t)} | {n} |" for t, n in plan.by_type.items()]
    out += ["", "</details>", ""]
    if report.warnings:
        out += ["<details><summary>Warnings</summary>", ""] + [f"- {_cell(w)}" for w in report.warnings]
        out += ["", "</details>", ""]
    checked = "a deployment's state (pulumi stack export)" if s.source == "state" else \
        "offline preview (no cloud credentials)"
    out.append(f"<sub>{checked} · packs: {md_text(', '.join(s.packs))}</sub>")
    return "\n".join(out) + "\n"
