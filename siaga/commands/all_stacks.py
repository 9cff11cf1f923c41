"""``siaga check --all-stacks``: every stack file of the project checked as ``siaga check --stack`` does, then the
rules that only have a meaning across stacks: one DNS name claimed by two stacks where a delegation needs it
(``dns-name-claimed-once``), and one account-, Region- or globally-unique physical name given by two stacks
(``physical-name-claimed-once``: the stacks of a project are deployed side by side in one account, docs/deploy-review-2.md).

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
NAME_RULE = "physical-name-claimed-once"
NAME_DESCRIPTION = ("No account- or Region-scoped physical name is claimed by two stacks of the project (stacks of one "
                    "project are deployed side by side in one account): AWS refuses the second create, or, where "
                    "the API is an upsert, the second stack silently takes over the first stack's resource.")
NAME_REMEDIATION = ("Make the stacks' name prefixes differ (siaga:agency, siaga:service, siaga:environment), or let "
                    "one stack create an account singleton and the other adopt it (e.g. standby.database.dmsVpcRole: "
                    "existing).")
REFUSED = "AWS refuses the second create (the name is unique in the account or Region)"
UPSERT = ("the API is an upsert on the name: the second stack silently replaces or shares the first stack's resource, "
          "and destroying either removes it for both")
NAMES: dict[str, tuple[str, str, str]] = {
    # type: (input holding the physical name, scope, what the second create does)
    "aws:iam/role:Role": ("name", "account", REFUSED),  # IAM names are unique in the account (CreateRole RoleName)
    "aws:iam/policy:Policy": ("name", "account", REFUSED),
    "aws:s3/bucket:Bucket": ("bucket", "global", REFUSED),
    "aws:s3/bucketV2:BucketV2": ("bucket", "global", REFUSED),
    "aws:kms/alias:Alias": ("name", "region", REFUSED),
    "aws:rds/instance:Instance": ("identifier", "region", REFUSED),
    "aws:rds/cluster:Cluster": ("clusterIdentifier", "region", REFUSED),
    "aws:rds/subnetGroup:SubnetGroup": ("name", "region", REFUSED),
    "aws:rds/parameterGroup:ParameterGroup": ("name", "region", REFUSED),
    "aws:backup/vault:Vault": ("name", "region", REFUSED),
    "aws:cloudtrail/trail:Trail": ("name", "region", REFUSED),
    "aws:cloudwatch/logGroup:LogGroup": ("name", "region", REFUSED),
    "aws:secretsmanager/secret:Secret": ("name", "region", REFUSED),
    "aws:dms/replicationInstance:ReplicationInstance": ("replicationInstanceId", "region", REFUSED),
    "aws:dms/replicationSubnetGroup:ReplicationSubnetGroup": ("replicationSubnetGroupId", "region", REFUSED),
    "aws:wafv2/webAcl:WebAcl": ("name", "region", REFUSED),
    "aws:eks/cluster:Cluster": ("name", "region", REFUSED),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name", "region", UPSERT),  # PutMetricAlarm
    "aws:cloudwatch/eventRule:EventRule": ("name", "region", UPSERT),  # PutRule (one event bus per region here)
    "aws:sns/topic:Topic": ("name", "region", UPSERT),  # CreateTopic returns the existing topic
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": ("policyName", "region", UPSERT),  # PutResourcePolicy
}
"""Resource types whose physical name is unique per account, Region or globally, and the input holding it. Security
groups are left out (unique per VPC; the stacks have a VPC each)."""
RULES_PACK = REPO_ROOT / "policies"
"""The pack whose DNS rules are applied across stacks (this repository's ``policies/``)."""
EXTENSIONS = {"text": "txt", "markdown": "md", "sarif": "sarif", "junit": "xml", "json": "json"}


@dataclass(frozen=True)
class CrossFinding:
    """Two stacks claiming one name: ``stack``/``resource`` hold the claim to change, ``other_*`` the other one."""

    rule: str
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
        if self.rule == NAME_RULE:
            return (f"stacks {self.stack} and {self.other_stack} claim one {self.kind} name {self.name}: "
                    f"{self.resource} in {self.stack} and {self.other_resource} in {self.other_stack}; {self.why}.")
        return (f"stacks {self.stack} and {self.other_stack} claim one DNS name {self.name}: {self.resource} "
                f"({self.kind}) in {self.stack} and {self.other_resource} ({self.other_kind}) in {self.other_stack}; "
                f"{self.why}. Whichever stack is deployed second fails or is never answered.")

    def as_dict(self) -> dict[str, str]:
        return {"policy": f"{PACK}/{self.rule}", "enforcement": "mandatory", "name": self.name,
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
        out.append(CrossFinding(rule=DNS_RULE, stack=culprit.stack, urn=culprit.res.urn, resource=culprit.res.name,
                                kind=culprit.kind, other_stack=other.stack, other_urn=other.res.urn,
                                other_resource=other.res.name, other_kind=other.kind, name=culprit.name, why=why))
    return out


def name_findings(graphs: dict[str, Graph]) -> list[CrossFinding]:
    """Explicit physical names (``NAMES``) given by two stacks, in one Region for the regional ones: one finding per
    later stack's resource, against the first stack (in stack order) that claims the name."""
    from siaga.engine.model import SECRET_SIG, SIG_KEY, UNKNOWN, plain

    first: dict[tuple[str, str, str], tuple[str, Any]] = {}
    out = []
    for stack, graph in graphs.items():
        region = str(graph.config.get("aws:region") or "")
        for r in graph.resources:
            spec = NAMES.get(r.type)
            if spec is None:
                continue
            key_name, scope, why = spec
            raw = r.inputs.get(key_name)
            if isinstance(raw, dict) and raw.get(SIG_KEY) == SECRET_SIG:
                continue  # a secret name is never shown
            value = plain(raw)
            if not isinstance(value, str) or not value or value == UNKNOWN:
                continue
            name = value.lower() if scope == "account" else value  # IAM names are case-insensitive
            key = (r.type, region if scope == "region" else "", name)
            if key not in first:
                first[key] = (stack, r)
                continue
            other_stack, other = first[key]
            if other_stack == stack:
                continue  # inside one stack: the engine refuses or the pack reports it
            kind = r.type.split(":")[-1]
            out.append(CrossFinding(rule=NAME_RULE, stack=stack, urn=r.urn, resource=r.name, kind=kind,
                                    other_stack=other_stack, other_urn=other.urn, other_resource=other.name,
                                    other_kind=kind, name=value, why=why))
    return out


RULES = {DNS_RULE: ("No DNS name is claimed by two stacks", DNS_DESCRIPTION, DNS_REMEDIATION, "SC-20, CM-6"),
         NAME_RULE: ("No physical name is claimed by two stacks of one account", NAME_DESCRIPTION, NAME_REMEDIATION,
                     "CM-6, CP-10")}


def add_to_reports(reports: dict[str, Report], graphs: dict[str, Graph], found: list[CrossFinding]) -> None:
    """Each cross-stack finding into the report of the stack holding the claim to change; the rule listed in every
    stack's report (it was evaluated for all of them); counts and exit codes recomputed."""
    from siaga.commands.check import _declared_at
    from siaga.report_model import PolicyRow, ReportFinding

    for stack, report in reports.items():
        by_urn = graphs[stack].by_urn()
        for rule, (title, description, remediation, nist) in RULES.items():
            report.policies.append(PolicyRow(pack=PACK, name=rule, title=title, description=description,
                                             enforcement="mandatory", severity="high", remediation=remediation,
                                             frameworks=[f"NIST SP 800-53 rev5: {nist}"], policy_type="stack",
                                             evaluated=[""]))
        added = [ReportFinding(pack=PACK, policy=f.rule, enforcement="mandatory", severity="high", urn=f.urn,
                               type=by_urn[f.urn].type if f.urn in by_urn else None, name=f.resource,
                               message=f.message, description=RULES[f.rule][1], remediation=RULES[f.rule][2],
                               frameworks=[f"NIST SP 800-53 rev5: {RULES[f.rule][3]}"],
                               source=_declared_at(by_urn[f.urn], report) if f.urn in by_urn else None)
                 for f in found if f.stack == stack]
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
    found = cross_stack_findings(graphs) + name_findings(graphs)
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
        lines += [f"- **mandatory** `{PACK}/{f.rule}`: {md_text(f.message)}" for f in found] or \
            [f"- no DNS or physical name claimed by two of the {len(reports)} stacks"]
        return "\n\n".join(parts) + "\n\n" + "\n".join(lines) + "\n"
    fail(f"--format {fmt} with --all-stacks: one {fmt} document per stack; give --output DIR")


def summary_lines(reports: dict[str, Report], found: list[CrossFinding]) -> list[str]:
    """The closing section of the text output: the cross-stack findings, then one verdict for all stacks."""
    lines = []
    for rule in RULES:
        mine = [f for f in found if f.rule == rule]
        lines.append(f"across stacks: {PACK}/{rule}: {len(mine)} finding{'s' * (len(mine) != 1)}")
        lines += [f"  mandatory: {f.message}" for f in mine]
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
