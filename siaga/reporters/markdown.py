"""Markdown for the pull-request comment: ONE comment for every stack the pull request checks.

A reviewer reads the summary first (per stack: the verdict, new / fixed / waived / advisory counts, the plan's
replacements and deletions), then the details grouped by policy (its description, fix and controls once, then
the resources, each linked to its line on the forge), then what is collapsed: advisories, low-severity notes and
"cannot be verified before deployment" (one line each), fixed and waived findings, the plan. Messages are never
cut (a row is dropped whole, never its fix) and never repeat the URN (report_model.strip_urn). GitHub refuses a
comment over 65,536 characters: detail is dropped, in steps, until it fits; the summary never is.

Every piece of text from a program, config, waiver or state goes through :mod:`siaga.escape.markdown`.
"""

from __future__ import annotations

from collections.abc import Iterable

from siaga.escape.markdown import code as md_code
from siaga.escape.markdown import text as md_text
from siaga.report_model import Report, ReportFinding

MARKER = "<!-- siaga-check -->"
"""First line of the comment: the workflow finds its previous comment by it and updates it."""
MAX_CHARS = 60_000
"""GitHub rejects comments over 65,536 characters: past this, detail is dropped."""
ICON = {"mandatory": "🛑", "advisory": "⚠️", "remediate": "🔧", "disabled": "·"}
CANNOT_VERIFY = "cannot be verified before deployment"
LEVELS = ("full", "short", "names", "summary")
"""Detail levels, most first: ``short`` drops unchanged findings' rows and the plan's lists, ``names`` keeps
one line per policy, ``summary`` the summary table alone."""
ROWS_PER_POLICY = {"full": 50, "short": 15}
PLAN_ROWS = 30
"""Creates and updates listed in the comment (replacements and deletions are always listed whole)."""


def _at(report: Report, file: str | None, line: int | None) -> str:
    """``file:line`` as a link to the forge when the CI environment says where (``blob/<sha>/<path>#L<n>``)."""
    if not file:
        return ""
    label = md_code(f"{file}:{line}" if line else file)
    if report.links is None:
        return label
    return f"[{label}]({report.links.blob(file, line)})"


def _where(report: Report, f: ReportFinding) -> str:
    return _at(report, f.source.file, f.source.line) if f.source else ""


def _config(report: Report, f: ReportFinding) -> str:
    c = f.config
    if c is None:
        return ""
    where = _at(report, c.file, c.line) if c.file else "(given with `--config`)"
    what = "set by" if c.how == "declared" else "the change to"
    more = f" (and {', '.join(md_code(o) for o in c.others)})" if c.others else ""
    return f"{what} {md_code(c.key + '=' + c.value)}{more} {'at ' if c.file else ''}{where}"


def _status(f: ReportFinding) -> str:
    return {"new": "🆕 ", "fixed": "✅ "}.get(f.status or "", "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _verdict(report: Report) -> str:
    s = report.summary
    if s.passed:
        return "✅ passed"
    kind = "new mandatory" if s.gate == "new" and report.base else "mandatory"
    return f"❌ {s.blocking} {kind} finding{'s' if s.blocking != 1 else ''}"


def _summary_rows(reports: list[Report]) -> list[str]:
    out = ["| stack | result | new | fixed | unchanged | waived | advisory | replace | delete |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in reports:
        s, plan = r.summary, r.plan_diff
        base = r.base is not None
        cell = (lambda n: str(n)) if base else (lambda n: "–")  # noqa: E731 - no base, no split
        out.append(f"| {md_code(r.project + '/' + r.stack)} | {_verdict(r)} | {cell(s.new)} | {cell(s.fixed)} | "
                   f"{cell(s.unchanged)} | {s.waived} | {s.advisory} | "
                   f"{len(plan.replace) if plan else '–'} | {len(plan.delete) if plan else '–'} |")
    return out


def _headline(reports: list[Report]) -> str:
    blocking = sum(r.summary.blocking for r in reports)
    stacks = _plural(len(reports), "stack")
    if not blocking:
        return f"## Siaga policy check: ✅ passed ({stacks})"
    return f"## Siaga policy check: ❌ {_plural(blocking, 'blocking finding')} ({stacks})"


def _policy_rows(report: Report) -> dict[str, object]:
    return {p.rule_id: p for p in report.policies}


def _is_low(f: ReportFinding) -> bool:
    return f.enforcement == "advisory" and (f.severity == "low" or f.message.startswith(CANNOT_VERIFY))


def _group(findings: Iterable[ReportFinding]) -> dict[str, list[ReportFinding]]:
    out: dict[str, list[ReportFinding]] = {}
    for f in findings:
        out.setdefault(f.rule_id, []).append(f)
    return out


def _policy_section(report: Report, rule_id: str, items: list[ReportFinding], level: str) -> list[str]:
    p = _policy_rows(report).get(rule_id)
    first = items[0]
    title = getattr(p, "title", "") or ""
    new = sum(1 for f in items if f.status == "new")
    counts = f"{len(items)}" + (f", {new} new" if report.base else "")
    head = (f"#### {ICON.get(first.enforcement, '')} {md_code(rule_id)}" + (f" — {md_text(title)}" if title else "")
            + f" ({counts})")
    if level == "names":
        return [head, ""]
    out = [head, "", md_text(first.description or getattr(p, "description", ""))]
    if first.remediation:
        out[-1] += f" **Fix:** {md_text(first.remediation)}"
    controls = ", ".join(first.frameworks)
    if controls:
        out[-1] += f" <sub>Controls: {md_text(controls)}</sub>"
    sources = {(f.config.key, f.config.value, f.config.file, f.config.line) for f in items if f.config}
    if len(sources) == 1 and all(f.config for f in items):
        out += ["", f"Caused by the stack file: {_config(report, first)}."]
        shared = True
    else:
        shared = False
    rows = [f for f in items if level == "full" or f.status != "unchanged"]
    limit = ROWS_PER_POLICY[level]
    messages = {f.message for f in items}
    same = len(messages) == 1 and len(items) > 1 and not any(f.config and not shared for f in items)
    if same:  # one message for all: said once, the rows name the resources
        out += ["", md_text(first.message)]
        out += ["", "| resource | at |", "|---|---|"]
    else:
        out += ["", "| resource | at | finding |", "|---|---|---|"]
    for f in rows[:limit]:
        resource = (f"{_status(f)}{md_code(f.name)} {md_code(f.type or '')}" if f.name else f"{_status(f)}(stack)")
        if same:
            out.append(f"| {resource} | {_where(report, f)} |")
            continue
        finding = md_text(f.message or f.description)
        if f.config and not shared:
            finding += f" — {_config(report, f)}"
        out.append(f"| {resource} | {_where(report, f)} | {finding} |")
    hidden = len(items) - min(len(rows), limit)
    if hidden:
        out.append(f"\n_{hidden} more ({'unchanged from the base, ' if level != 'full' else ''}"
                   "in the SARIF / JSON artifacts)._")
    return out + [""]


def _collapsed(report: Report, title: str, items: list[ReportFinding]) -> list[str]:
    """One ``<details>`` line: per policy, its count and up to three resources."""
    if not items:
        return []
    parts = []
    for rule_id, group in _group(items).items():
        names = ", ".join(md_code(f.name or "(stack)") for f in group[:3])
        more = f" and {len(group) - 3} more" if len(group) > 3 else ""
        parts.append(f"- {md_code(rule_id)} ({len(group)}): {names}{more}")
    return [f"<details><summary>{title} ({len(items)})</summary>", "", *parts, "", "</details>", ""]


def _plan(report: Report, level: str) -> list[str]:
    plan = report.plan_diff
    if plan is None:
        s = report.summary.plan
        what = "In the state" if report.summary.source == "state" else "Plan (new stack)"
        return [f"<sub>{what}: {s.create} to create ({_plural(s.custom, 'cloud resource')}, "
                f"{_plural(s.components, 'component')}, {_plural(s.providers, 'provider')})</sub>", ""]
    c = plan.counts()
    line = (f"**Plan** against {md_text(plan.against)}: {c['create']} to create, {c['update']} to update, "
            f"**{c['replace']} to replace**, **{c['delete']} to delete**, {c['same']} unchanged")
    out = [line, ""]
    danger = plan.replace + plan.delete
    if danger and level in ("full", "short"):
        out += ["| | resource | why |", "|---|---|---|"]
        for step in danger:
            mark = "🛑" if step.stateful or step.protected else step.op
            out.append(f"| {mark} {step.op} | {md_code(step.name)} {md_code(step.type)} | "
                       f"{md_text(', '.join(step.reasons)) or '–'} |")
        out.append("")
    if level == "full" and (plan.create or plan.update):
        steps = plan.create + plan.update
        rows = [f"- {s.op} {md_code(s.name)} {md_code(s.type)}" + (f" (was {md_code(s.old_urn)})" if s.old_urn else "")
                for s in steps[:PLAN_ROWS]]
        if len(steps) > PLAN_ROWS:
            rows.append(f"- and {len(steps) - PLAN_ROWS} more (the JSON report's plan_diff lists them)")
        out += [f"<details><summary>Created and updated ({len(steps)})</summary>", "", *rows, "", "</details>", ""]
    return out


def _stack(report: Report, level: str) -> list[str]:
    against = f" vs base {md_code(report.base)}" if report.base else ""
    out = [f"### {md_code(report.project + '/' + report.stack)}{against}: {_verdict(report)}", ""]
    facts = []
    if report.stack_file:
        facts.append(f"stack file {_at(report, report.stack_file, None)}")
    facts.append(f"waivers {md_code(report.waivers_file)}" if report.waivers_file else "no waivers file")
    out += [" · ".join(facts), ""]
    out += [f"> **{md_text(line.split(':', 1)[0])}:** {md_text(line.split(':', 1)[1])}" for line in report.scope_lines]
    out += [""] if report.scope_lines else []
    if report.deviations:
        weak = report.weakening
        out += [f"**{'⚠️ ' if weak else ''}Policy configuration departs from the baseline** ({len(weak)} weaken the "
                "gate): " + "; ".join(f"{'**weakens** ' if d.effect == 'weakens' else ''}{md_code(d.pack + '/' + d.policy)}"
                                      f" {md_text(d.detail)}" for d in report.deviations[:20])
                + (f"; and {len(report.deviations) - 20} more" if len(report.deviations) > 20 else ""), ""]
    if level == "summary":
        return out
    out += _plan(report, level)
    shown = [f for f in report.findings if f.enforcement in ("mandatory", "remediate")
             or (f.enforcement == "advisory" and not _is_low(f) and f.status == "new")]
    for rule_id, items in _group(shown).items():
        out += _policy_section(report, rule_id, items, level)
    rest = [f for f in report.findings if f not in shown]
    cannot = [f for f in rest if f.message.startswith(CANNOT_VERIFY)]
    low = [f for f in rest if f not in cannot and f.severity == "low"]
    advisory = [f for f in rest if f not in cannot and f not in low]
    out += _collapsed(report, "⚠️ Advisory", advisory)
    out += _collapsed(report, "Low-severity advisories", low)
    out += _collapsed(report, "Cannot be verified before deployment", cannot)
    out += _collapsed(report, "✅ Fixed against the base", report.fixed)
    if report.waived:
        rows = [f"| {md_code(f.rule_id)} | {md_code(f.name or '(stack)')} | {md_text(f.waiver.reason)} | "
                f"{md_text(f.waiver.approver)} | {md_text(f.waiver.expires)} |" for f in report.waived if f.waiver]
        out += [f"<details><summary>Waived ({len(report.waived)})</summary>", "",
                "| policy | resource | reason | approver | expires |", "|---|---|---|---|---|", *rows, "",
                "</details>", ""]
    if report.warnings and level == "full":
        out += ["<details><summary>Warnings</summary>", ""] + [f"- {md_text(w)}" for w in report.warnings]
        out += ["", "</details>", ""]
    return out


def _footer(reports: list[Report]) -> str:
    packs = sorted({p for r in reports for p in r.summary.packs})
    checked = ("a deployment's state (pulumi stack export)" if all(r.summary.source == "state" for r in reports)
               else "offline preview (no cloud credentials)")
    return f"<sub>{checked} · packs: {md_text(', '.join(packs))}</sub>"


def render_many(reports: list[Report], limit: int = MAX_CHARS) -> str:
    """The one comment for every stack: each detail level tried in turn until the comment fits ``limit``."""
    head = [MARKER, _headline(reports), "", *_summary_rows(reports), ""]
    text = ""
    for level in LEVELS:
        body: list[str] = []
        for r in reports:
            body += _stack(r, level)
        note = [] if level == "full" else [f"_Detail left out to fit a comment ({level}): the SARIF / JSON artifacts "
                                           "have every finding._", ""]
        text = "\n".join(head + note + body + [_footer(reports)]) + "\n"
        if len(text) <= limit:
            return text
    return text


def render(report: Report) -> str:
    return render_many([report])

