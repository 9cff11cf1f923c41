"""The policy table and the catalogue coverage tables of policies/README.md, generated from the pack itself.

Each policy cites the catalogue entries it implements in its ``Controls`` (``fsbp=``, ``cdk_nag=``, ``checkov=``;
emitted as ``fsbp:<id>`` / ``cdk-nag:<rule>`` / ``checkov:<id>`` policy tags). The catalogues in
policies/catalogues/ list every AWS Security Hub FSBP control and cdk-nag NIST 800-53 r5 rule in scope (issue #29),
each either cited by some policy (covered, or partial with a note), explained (``reason``: why no policy can decide
it before deployment) or a tracked ``gap``.

    .venv/bin/python scripts/policy_coverage.py           # counts, and every inconsistency
    .venv/bin/python scripts/policy_coverage.py --write   # regenerate the tables in policies/README.md
    .venv/bin/python scripts/policy_coverage.py --check   # exit 1 when README.md is stale or a catalogue is off

tests/test_policy_coverage.py runs the same checks.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "policies"
README = PACK / "README.md"
CATALOGUES = {"fsbp": PACK / "catalogues" / "fsbp.yaml", "cdk-nag": PACK / "catalogues" / "cdk_nag_nist_r5.yaml"}
TITLES = {"fsbp": "AWS Security Hub FSBP", "cdk-nag": "cdk-nag NIST 800-53 r5"}
CHECKOV_ID = re.compile(r"^CKV2?_AWS_\d+$")
TABLE_BEGIN, TABLE_END = "<!-- policy-table:begin (scripts/policy_coverage.py) -->", "<!-- policy-table:end -->"
COVER_BEGIN, COVER_END = "<!-- coverage:begin (scripts/policy_coverage.py) -->", "<!-- coverage:end -->"
STATUSES = ("covered", "partial", "explained", "gap")


@dataclass
class PolicyRow:
    name: str
    category: str
    level: str
    kind: str
    description: str
    config: list[str]
    controls: list[str]          # nist / iso / pp71 tags
    catalogue: dict[str, list[str]]  # "fsbp" / "cdk-nag" / "checkov" -> ids
    file: str


@dataclass
class Entry:
    id: str
    title: str
    service: str
    extended: bool
    reason: str | None = None
    partial: str | None = None
    gap: str | None = None
    policies: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.policies:
            return "partial" if self.partial else "covered"
        if self.reason:
            return "explained"
        return "gap"


def load_policies() -> list[PolicyRow]:
    """The pack's policies in registry order, read from the policy objects (what the analyzer serves)."""
    if str(PACK) not in sys.path:
        sys.path.insert(0, str(PACK))
    from pulumi_policy import StackValidationPolicy
    from siaga_rules.registry import MODULES, all_policies

    rows = []
    for module, p in zip(MODULES, all_policies(), strict=True):
        tags = list(p.tags or [])
        catalogue: dict[str, list[str]] = {"fsbp": [], "cdk-nag": [], "checkov": []}
        for t in tags:
            prefix, _, value = t.partition(":")
            if prefix in catalogue:
                catalogue[prefix].append(value)
        rows.append(PolicyRow(
            name=p.name, category=next(t.split(":", 1)[1] for t in tags if t.startswith("category:")),
            level=p.enforcement_level.value, kind="stack" if isinstance(p, StackValidationPolicy) else "resource",
            description=p.description or "",
            config=list((p.config_schema.properties or {}).keys()) if p.config_schema else [],
            controls=[t for t in tags if t.split(":", 1)[0] in ("nist-800-53-r5", "iso-27001-2022", "pp-71-2019")],
            catalogue=catalogue, file="siaga_rules/" + module.replace(".", "/") + ".py"))
    return rows


def load_catalogue(kind: str) -> list[Entry]:
    data = yaml.safe_load(CATALOGUES[kind].read_text(encoding="utf-8"))
    extended = set(data.get("extended") or [])
    out = []
    for c in data["controls"]:
        cid = str(c["id"])
        service = cid.split(".")[0] if kind == "fsbp" else _cdk_service(cid)
        out.append(Entry(id=cid, title=str(c["title"]), service=service, extended=service in extended,
                         reason=c.get("reason"), partial=c.get("partial"), gap=c.get("gap")))
    return out


def _cdk_service(rule: str) -> str:
    name = rule.removeprefix("NIST.800.53.R5-")
    for prefix in ("AutoScaling", "CloudTrail", "CloudWatch", "DMS", "EC2", "ALB", "ELB", "KMS", "RDS", "S3",
                   "SecretsManager", "SNS", "VPC", "WAF", "ElastiCache", "Redshift"):
        if name.startswith(prefix):
            return {"ALB": "ELB"}.get(prefix, prefix)
    return name


@dataclass
class Coverage:
    policies: list[PolicyRow]
    catalogues: dict[str, list[Entry]]
    problems: list[str]


def coverage() -> Coverage:
    policies = load_policies()
    catalogues = {k: load_catalogue(k) for k in CATALOGUES}
    return Coverage(policies, catalogues, evaluate(policies, catalogues))


def evaluate(policies: Sequence[PolicyRow], catalogues: dict[str, list[Entry]]) -> list[str]:
    """Fills each entry's citing policies; returns every inconsistency between the pack and the catalogues."""
    problems: list[str] = []
    for kind, entries in catalogues.items():
        by_id: dict[str, Entry] = {}
        for e in entries:
            if e.id in by_id:
                problems.append(f"{kind}: {e.id} is listed twice")
            by_id[e.id] = e
            if sum(x is not None for x in (e.reason, e.gap, e.partial)) > 1:
                problems.append(f"{kind}: {e.id} has more than one of reason/gap/partial")
        for p in policies:
            for cid in p.catalogue.get(kind, []):
                if cid not in by_id:
                    problems.append(f"{p.name} cites {kind} {cid!r}, which is not in the {kind} catalogue")
                elif p.name not in by_id[cid].policies:
                    by_id[cid].policies.append(p.name)
        for e in entries:
            if e.policies and (e.reason or e.gap):
                problems.append(f"{kind}: {e.id} is cited by {', '.join(e.policies)} but marked "
                                f"{'reason' if e.reason else 'gap'} in the {kind} catalogue: drop the mark")
            if e.partial and not e.policies:
                problems.append(f"{kind}: {e.id} is marked partial but no policy cites it")
            if not e.policies and not e.reason and not e.gap:
                problems.append(f"{kind}: {e.id} is neither cited by a policy, explained (reason) nor a tracked gap")
    for p in policies:
        for cid in p.catalogue.get("checkov", []):
            if not CHECKOV_ID.match(cid):
                problems.append(f"{p.name} cites checkov {cid!r}, not a Checkov AWS check id (CKV_AWS_n / CKV2_AWS_n)")
    return problems


def counts(entries: Sequence[Entry], extended: bool | None = None) -> dict[str, int]:
    chosen = [e for e in entries if extended is None or e.extended == extended]
    out = {s: sum(e.status == s for e in chosen) for s in STATUSES}
    out["total"] = len(chosen)
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_policy_table(cov: Coverage) -> str:
    lines = ["| id | category | default level | kind | what it checks | config | controls | catalogues | file |",
             "|---|---|---|---|---|---|---|---|---|"]
    for p in cov.policies:
        cat = ", ".join(f"{k}:{v}" for k in ("fsbp", "cdk-nag", "checkov") for v in p.catalogue[k]) or "—"
        lines.append(f"| `{p.name}` | <a id=\"{p.name}\"></a>{p.category} | {p.level} | {p.kind} | {_cell(p.description)} | "
                     f"{', '.join(p.config) or '—'} | {', '.join(p.controls)} | {cat} | `{p.file}` |")
    return "\n".join(lines)


def summary_line(kind: str, entries: Sequence[Entry]) -> str:
    core, ext = counts(entries, extended=False), counts(entries, extended=True)
    text = (f"**{TITLES[kind]}** (issue #29 scope): {core['covered']} covered, {core['partial']} partial, "
            f"{core['explained']} explained, {core['gap']} gaps, of {core['total']}")
    if ext["total"]:
        text += (f"; extended (data stores beside them): {ext['covered']} covered, {ext['partial']} partial, "
                 f"{ext['explained']} explained, {ext['gap']} gaps, of {ext['total']}")
    return text + "."


def render_coverage(cov: Coverage) -> str:
    out = [summary_line(k, cov.catalogues[k]) for k in CATALOGUES]
    out = ["\n".join(f"- {line}" for line in out), ""]
    for kind, entries in cov.catalogues.items():
        out += [f"#### {TITLES[kind]} (`{CATALOGUES[kind].relative_to(PACK)}`)", "",
                "| id | title | status | policies / why not |", "|---|---|---|---|"]
        for e in entries:
            if e.policies:
                what = ", ".join(f"`{p}`" for p in e.policies) + (f" — not checked: {e.partial}" if e.partial else "")
            else:
                what = e.reason or f"tracked gap ({e.gap})"
            scope = " (extended)" if e.extended else ""
            out.append(f"| {e.id}{scope} | {_cell(e.title)} | {e.status} | {_cell(what)} |")
        out.append("")
    return "\n".join(out).rstrip()


def _replace(text: str, begin: str, end: str, body: str) -> str:
    if begin not in text or end not in text:
        raise SystemExit(f"{README}: markers {begin!r} / {end!r} missing")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def render_readme(cov: Coverage, current: str) -> str:
    text = _replace(current, TABLE_BEGIN, TABLE_END, render_policy_table(cov))
    return _replace(text, COVER_BEGIN, COVER_END, render_coverage(cov))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="regenerate the tables in policies/README.md")
    mode.add_argument("--check", action="store_true", help="exit 1 when README.md is stale or a catalogue is off")
    args = parser.parse_args(argv)
    cov = coverage()
    for kind in CATALOGUES:
        print(summary_line(kind, cov.catalogues[kind]).replace("**", ""))
    for problem in cov.problems:
        print(f"problem: {problem}", file=sys.stderr)
    current = README.read_text(encoding="utf-8")
    wanted = render_readme(cov, current)
    if args.write:
        if wanted != current:
            README.write_text(wanted, encoding="utf-8")
            print(f"wrote {README.relative_to(ROOT)}")
    elif args.check and wanted != current:
        print(f"{README.relative_to(ROOT)} is stale: run scripts/policy_coverage.py --write", file=sys.stderr)
        return 1
    return 1 if cov.problems else 0


if __name__ == "__main__":
    sys.exit(main())

