"""Markdown for the pull-request comment: counts, the violations table, collapsible details, the plan."""

from __future__ import annotations

from siaga.report_model import Report, ReportFinding

MARKER = "<!-- siaga-check {project}/{stack} -->"
"""First line of the comment: the workflow finds its previous comment for the stack by it and updates it."""
MAX_ROWS = 150
ICON = {"mandatory": "🛑", "advisory": "⚠️", "remediate": "🔧", "disabled": "·"}


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", "<br>").strip()


def _row(f: ReportFinding) -> str:
    where = f"`{f.where}`" if f.source else ""
    policy = f"`{f.rule_id}`" + (" (raised)" if f.error else "")
    return (f"| {ICON.get(f.enforcement, '')} {f.enforcement} | {policy} | {_cell(f.severity or '')} | "
            f"{_cell(f.resource)} | {_cell(f.title)} | {where} |")


def render(report: Report) -> str:
    s = report.summary
    status = "✅ passed" if s.passed else f"❌ {s.mandatory} mandatory violation{'s' if s.mandatory != 1 else ''}"
    out = [MARKER.format(project=report.project, stack=report.stack), f"## Siaga policy check — `{report.project}/{report.stack}`: {status}", ""]
    out += ["| mandatory | advisory | remediated | policy errors | waived | resources | policies | evaluations |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {s.mandatory} | {s.advisory} | {s.remediate} | {s.errors} | {s.waived} | {s.resources} | "
            f"{s.policies} | {s.evaluations} |", ""]
    if report.findings:
        out += ["### Violations", "", "| level | policy | severity | resource | message | at |",
                "|---|---|---|---|---|---|"]
        out += [_row(f) for f in report.findings[:MAX_ROWS]]
        if len(report.findings) > MAX_ROWS:
            out.append(f"\n_{len(report.findings) - MAX_ROWS} more: see the SARIF / JSON artifacts._")
        out += ["", "<details><summary>Details and fixes</summary>", ""]
        for f in report.findings[:MAX_ROWS]:
            out.append(f"- **{f.rule_id}** on `{f.urn or '(stack)'}`" + (f" at `{f.where}`" if f.source else ""))
            out.append(f"  - {_cell(f.description)}")
            if f.remediation:
                out.append(f"  - fix: {_cell(f.remediation)}")
            if f.frameworks:
                out.append(f"  - controls: {', '.join(f.frameworks)}")
        out += ["", "</details>", ""]
    else:
        out += ["No unwaived findings.", ""]
    if report.waived:
        out += [f"<details><summary>Waived ({len(report.waived)})</summary>", "",
                "| policy | resource | reason | approver | expires |", "|---|---|---|---|---|"]
        for f in report.waived:
            w = f.waiver
            out.append(f"| `{f.rule_id}` | {_cell(f.resource)} | {_cell(w.reason if w else '')} | "
                       f"{_cell(w.approver if w else '')} | {w.expires if w else ''} |")
        out += ["", "</details>", ""]
    plan = s.plan
    out += [f"<details><summary>Plan: {plan.create} to create ({plan.custom} cloud resources, "
            f"{plan.components} components, {plan.providers} providers)</summary>", "",
            "| type | count |", "|---|---:|"]
    out += [f"| `{t}` | {n} |" for t, n in plan.by_type.items()]
    out += ["", "</details>", ""]
    if report.warnings:
        out += ["<details><summary>Warnings</summary>", ""] + [f"- {_cell(w)}" for w in report.warnings]
        out += ["", "</details>", ""]
    out.append(f"<sub>offline preview (no cloud credentials) · packs: {', '.join(s.packs)}</sub>")
    return "\n".join(out) + "\n"
