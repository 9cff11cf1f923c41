"""``siaga check --all-stacks``: every stack file of the project checked as ``siaga check --stack`` does, then the
rules that only have a meaning across stacks (today: one DNS name claimed by two stacks where a delegation needs it).

Why the pack's module is imported rather than a combined graph analysed: the DNS rule is the pack's own
(``policies/siaga_rules/behaviour/_dns.py``: ``claims`` and ``conflicts``, the same code ``dns-name-claimed-once``
runs inside one stack), so reusing it keeps one definition of "a name claimed twice". A combined graph (every stack's
resources with their URNs kept apart) sent through the analyzer would run the whole pack a fourth time, report again
every finding each stack already has, and lose the stack each claim belongs to (the policy names resources, not
stacks); here each claim carries its stack and only pairs of claims from two different stacks are reported. Policies
never import ``siaga/``; tooling importing the pack is the direction tests already use (tests/test_stacks_together.py).

A cross-stack finding goes into the report of the stack holding the claim to change (the rule's "culprit"), as a
finding of the pseudo-pack ``siaga-cross-stack``, mandatory: every format renders it, counts it and fails on it the
way it does a pack's finding, and its message names both stacks, the name and both resources.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from siaga.commands.common import fail
from siaga.engine.preview import REPO_ROOT

if TYPE_CHECKING:
    from siaga.engine.model import Graph
    from siaga.report_model import Report

PACK = "siaga-cross-stack"
DNS_RULE = "dns-name-claimed-once"
DNS_DESCRIPTION = ("No DNS name is claimed by two stacks of the project where a delegation needs it: two stacks "
                   "creating one hosted zone, a zone one stack creates whose name another stack's records occupy in "
                   "the parent zone (its NS records must stand there alone), or two stacks' record sets of one name "
                   "where one is a CNAME.")
DNS_REMEDIATION = ("Give one of the two claims a name of its own (the service one label deeper, or the delegated "
                   "zone one label apart), so the delegation's name holds only its NS records.")
RULES_PACK = REPO_ROOT / "policies"
"""The pack whose DNS rules are applied across stacks (this repository's ``policies/``)."""
EXTENSIONS = {"text": "txt", "markdown": "md", "sarif": "sarif", "junit": "xml", "json": "json"}


@dataclass(frozen=True)
class CrossFinding:
    """Two stacks claiming one name: ``stack``/``resource`` hold the claim to change, ``other_*`` the other one."""

    stack: str
    urn: str
    resource: str
    kind: str
    other_stack: str
    other_urn: str
    other_resource: str
    other_kind: str
    name: str
    why: str

    @property
    def message(self) -> str:
        return (f"stacks {self.stack} and {self.other_stack} claim one DNS name {self.name}: {self.resource} "
                f"({self.kind}) in {self.stack} and {self.other_resource} ({self.other_kind}) in {self.other_stack}; "
                f"{self.why}. Whichever stack is deployed second fails or is never answered.")

    def as_dict(self) -> dict[str, str]:
        return {"policy": f"{PACK}/{DNS_RULE}", "enforcement": "mandatory", "name": self.name,
                "stack": self.stack, "urn": self.urn, "resource": self.resource, "kind": self.kind,
                "otherStack": self.other_stack, "otherUrn": self.other_urn, "otherResource": self.other_resource,
                "otherKind": self.other_kind, "message": self.message}


def _dns_rules() -> Any:
    """The pack's ``_dns`` module, imported as the pack's own modules import each other (``siaga_rules...``)."""
    if str(RULES_PACK) not in sys.path:
        sys.path.append(str(RULES_PACK))
    from siaga_rules.behaviour import _dns

    return _dns


def stack_ctx(graph: Graph) -> Any:
    """The graph as the pack's stack rules see it: outputs over inputs, property dependencies, dependsOn."""
    from siaga_rules.common import Res, StackCtx

    from siaga.engine.model import plain

    out = []
    for r in graph.resources:
        source = SimpleNamespace(props={**r.plain_inputs(), **plain(r.outputs)}, provider=None,
                                 dependencies=[SimpleNamespace(urn=u) for u in r.options.dependencies],
                                 opts=SimpleNamespace(ignore_changes=r.options.ignoreChanges))
        out.append(Res(type=r.type, name=r.name, urn=r.urn, source=source, protect=r.options.protect,
                       parent=r.parent, deps=dict(r.options.propertyDependencies)))
    return StackCtx(resources=out, config={}, stack_tags={})


def cross_stack_findings(graphs: dict[str, Graph]) -> list[CrossFinding]:
    """The DNS conflicts between claims of two different stacks (a conflict inside one stack is the pack's
    ``dns-name-claimed-once`` finding in that stack's report already), one per (claim to change, other claim)."""
    dns = _dns_rules()
    claims = [c for stack, graph in graphs.items() for c in dns.claims(stack_ctx(graph), stack)]
    seen: set[tuple[str, str]] = set()
    out = []
    for other, culprit, why in dns.conflicts(claims):
        key = (culprit.stack + "\0" + culprit.res.urn, other.stack + "\0" + other.res.urn)
        if other.stack == culprit.stack or key in seen:
            continue
        seen.add(key)
        out.append(CrossFinding(stack=culprit.stack, urn=culprit.res.urn, resource=culprit.res.name,
                                kind=culprit.kind, other_stack=other.stack, other_urn=other.res.urn,
                                other_resource=other.res.name, other_kind=other.kind, name=culprit.name, why=why))
    return out


def add_to_reports(reports: dict[str, Report], graphs: dict[str, Graph], found: list[CrossFinding]) -> None:
    """Each cross-stack finding into the report of the stack holding the claim to change; the rule listed in every
    stack's report (it was evaluated for all of them); counts and exit codes recomputed."""
    from siaga.commands.check import _declared_at
    from siaga.report_model import PolicyRow, ReportFinding

    for stack, report in reports.items():
        by_urn = graphs[stack].by_urn()
        report.policies.append(PolicyRow(pack=PACK, name=DNS_RULE, title="No DNS name is claimed by two stacks",
                                         description=DNS_DESCRIPTION, enforcement="mandatory", severity="high",
                                         remediation=DNS_REMEDIATION, frameworks=["NIST SP 800-53 rev5: SC-20, CM-6"],
                                         policy_type="stack", evaluated=[""]))
        mine = [f for f in found if f.stack == stack]
        added = [ReportFinding(pack=PACK, policy=DNS_RULE, enforcement="mandatory", severity="high", urn=f.urn,
                               type=by_urn[f.urn].type if f.urn in by_urn else None, name=f.resource,
                               message=f.message, description=DNS_DESCRIPTION, remediation=DNS_REMEDIATION,
                               frameworks=["NIST SP 800-53 rev5: SC-20, CM-6"],
                               source=_declared_at(by_urn[f.urn], report) if f.urn in by_urn else None)
                 for f in mine]
        report.findings = added + report.findings
        report.refresh_summary()


def project_stacks(program_dir: Path | None) -> tuple[Path, list[str]]:
    """The project's stacks: every ``Pulumi.<stack>.yaml`` of its stackConfigDir (or beside Pulumi.yaml)."""
    from siaga.engine.project import ProjectError, check_stack_name, load_project

    root = (program_dir or REPO_ROOT).resolve()
    if not (root / "Pulumi.yaml").is_file():
        fail(f"--all-stacks {root}: no Pulumi.yaml there; allowed: a Pulumi project folder")
    try:
        stacks = [check_stack_name(s) for s in load_project(root).stacks()]
    except ProjectError as exc:
        fail(str(exc))
    if not stacks:
        fail(f"--all-stacks {root}: no Pulumi.<stack>.yaml in the project's stack folder; allowed: a project with "
             "at least one stack file")
    return root, stacks


def refuse_options(given: dict[str, object]) -> None:
    """Options that name one stack's inputs or one deployment have no meaning for every stack at once."""
    for option, value in given.items():
        if value:
            fail(f"--all-stacks and {option}: {option} names one stack's input; allowed with --all-stacks: "
                 "--policy-pack, --policy-config, --format, --output DIR, --secret-config(-file), --stack-outputs, "
                 "--unknowns, --timeout, --check, --skip-check, --quiet")


def run_all(program_dir: Path | None, packs: list[Path], policy_config: Path | None, unknowns: bool,
            secret_config: list[str] | None, timeout: float, stack_outputs: list[str] | None,
            checks: list[str], skip_checks: list[str], show_progress: bool,
            **check_options: Any) -> tuple[dict[str, Report], list[CrossFinding]]:
    """Every stack checked as ``siaga check --stack`` does (its own waivers file by convention), then the cross-stack
    rules on the graphs those checks built."""
    from siaga.commands.check import run_check

    root, stacks = project_stacks(program_dir)
    reports: dict[str, Report] = {}
    graphs: dict[str, Graph] = {}
    for stack in stacks:
        kept: list[Graph] = []
        reports[stack] = run_check(stack, program_dir, packs, policy_config, None, [], unknowns,
                                   show_progress=show_progress, secret_config=secret_config, timeout=timeout,
                                   stack_outputs=stack_outputs, checks=checks, skip_checks=skip_checks,
                                   graph_out=kept, **check_options)
        graphs[stack] = kept[0]
    found = cross_stack_findings(graphs)
    add_to_reports(reports, graphs, found)
    return reports, found


def exit_code(reports: dict[str, Report]) -> int:
    return max((r.summary.exit_code for r in reports.values()), default=0)


def render(reports: dict[str, Report], found: list[CrossFinding], fmt: str) -> str:
    """One text for standard output: text and markdown, the stacks' reports one after the other then the
    cross-stack section; json, one object; sarif and junit have one document per stack (``--output DIR``)."""
    from siaga.reporters import FORMATS

    if fmt == "json":
        return json.dumps({"stacks": {s: json.loads(FORMATS["json"](r)) for s, r in reports.items()},
                           "crossStack": [f.as_dict() for f in found], "exitCode": exit_code(reports)},
                          indent=2) + "\n"
    if fmt == "markdown":
        from siaga.escape.markdown import text as md_text

        parts = [FORMATS["markdown"](r) for r in reports.values()]
        lines = ["## Across stacks", ""]
        lines += [f"- **mandatory** `{PACK}/{DNS_RULE}`: {md_text(f.message)}" for f in found] or \
            [f"- no DNS name claimed by two of the {len(reports)} stacks"]
        return "\n\n".join(parts) + "\n\n" + "\n".join(lines) + "\n"
    fail(f"--format {fmt} with --all-stacks: one {fmt} document per stack; give --output DIR")


def summary_lines(reports: dict[str, Report], found: list[CrossFinding]) -> list[str]:
    """The closing section of the text output: the cross-stack findings, then one verdict for all stacks."""
    lines = [f"across stacks: {PACK}/{DNS_RULE}: {len(found)} finding{'s' * (len(found) != 1)}"]
    lines += [f"  mandatory: {f.message}" for f in found]
    failed = [s for s, r in reports.items() if not r.summary.passed]
    verdict = f"failed ({', '.join(failed)})" if failed else "passed"
    lines.append(f"all stacks ({len(reports)}: {', '.join(reports)}): {verdict}")
    return lines


def write_dir(reports: dict[str, Report], fmt: str, folder: Path) -> None:
    """``--output DIR``: ``DIR/<stack>.<ext>`` per stack (the cross-stack findings are inside the reports)."""
    from siaga.files import write_atomic
    from siaga.reporters import FORMATS

    if folder.exists() and not folder.is_dir():
        fail(f"--output {folder}: not a folder; allowed with --all-stacks: a folder for one report per stack")
    for stack, report in reports.items():
        path = folder / f"{stack}.{EXTENSIONS[fmt]}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(path, FORMATS[fmt](report))
        except OSError as exc:
            fail(f"{path}: cannot write the {fmt} report ({exc.strerror})")
