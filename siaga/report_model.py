"""The ONE report every ``siaga check`` format is rendered from (text, markdown, sarif, junit, json)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, Field

from siaga.analyzer import AnalysisResult, Finding
from siaga.analyzer.deviations import Deviation
from siaga.engine.model import ROOT_STACK_TYPE, Graph
from siaga.waivers import WaiverSet

ENFORCEMENT_ORDER = {"mandatory": 0, "remediate": 1, "advisory": 2, "disabled": 3}
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, None: 4}


class Location(BaseModel):
    file: str
    """Relative to the repository root (the folder holding .git), else to the program folder."""
    line: int


class WaiverRef(BaseModel):
    policy: str
    urn: str
    reason: str
    approver: str
    expires: str


class ReportFinding(BaseModel):
    pack: str
    pack_version: str = ""
    policy: str
    enforcement: str
    severity: str | None = None
    urn: str | None = None
    type: str | None = None
    name: str | None = None
    message: str = ""
    description: str = ""
    frameworks: list[str] = Field(default_factory=list)
    source: Location | None = None
    remediation: str | None = None
    error: bool = False
    waiver: WaiverRef | None = None

    @property
    def rule_id(self) -> str:
        return f"{self.pack}/{self.policy}"

    @property
    def title(self) -> str:
        return self.message or self.description

    @property
    def where(self) -> str:
        return f"{self.source.file}:{self.source.line}" if self.source else ""

    @property
    def resource(self) -> str:
        return f"{self.name} ({self.type})" if self.name else "(stack)"


class PolicyRow(BaseModel):
    pack: str
    pack_version: str = ""
    name: str
    description: str = ""
    enforcement: str
    severity: str | None = None
    frameworks: list[str] = Field(default_factory=list)
    remediation: str | None = None
    url: str | None = None
    policy_type: str = "unknown"
    evaluated: list[str] = Field(default_factory=list)
    """URNs evaluated (``""`` = the stack-wide evaluation of a stack policy)."""

    @property
    def rule_id(self) -> str:
        return f"{self.pack}/{self.name}"


class Plan(BaseModel):
    """What a ``pulumi preview`` of a new stack would show: everything is created."""

    create: int = 0
    custom: int = 0
    components: int = 0
    providers: int = 0
    by_type: dict[str, int] = Field(default_factory=dict)


class Summary(BaseModel):
    resources: int
    policies: int
    evaluations: int
    mandatory: int
    advisory: int
    remediate: int
    errors: int
    waived: int
    weakened: int = 0
    """Policy settings that weaken the packs' baseline gate (listed first in every report)."""
    passed: bool
    exit_code: int
    packs: list[str] = Field(default_factory=list)
    plan: Plan = Field(default_factory=Plan)
    seconds: dict[str, float] = Field(default_factory=dict)
    source: str = "program"
    """What was checked: ``program`` (run offline) or ``state`` (a deployment's ``pulumi stack export``)."""
    opaque: int = 0
    """Remote components the check could not see into (their provider builds their children at deployment)."""
    opaque_components: list[str] = Field(default_factory=list)
    """``name (type)`` of each such component."""
    unverified_categories: list[str] = Field(default_factory=list)
    """Policy categories whose resource types could live inside those components: not verified for them."""


class Report(BaseModel):
    stack: str
    project: str
    program: str
    preview: bool = False
    generated: str = ""
    repo_root: str = ""
    resources: int
    findings: list[ReportFinding] = Field(default_factory=list)
    """Unwaived findings, sorted: enforcement, severity, pack, policy, resource."""
    waived: list[ReportFinding] = Field(default_factory=list)
    policies: list[PolicyRow] = Field(default_factory=list)
    summary: Summary
    warnings: list[str] = Field(default_factory=list)
    deviations: list[Deviation] = Field(default_factory=list)
    """Where the policy config departs from the packs' baseline, weakening ones first."""

    @property
    def scope_lines(self) -> list[str]:
        """What the check covered, said in every format's summary: a deployment's state instead of a program, and
        the remote components it could not see into with the policy categories that leaves unverified."""
        s = self.summary
        out = []
        if s.source == "state":
            out.append(f"checked: a deployment's state ({self.program}, from `pulumi stack export`): the resources as "
                       "deployed, no program was run")
        if s.opaque:
            shown = ", ".join(s.opaque_components[:5]) + (f" and {s.opaque - 5} more" if s.opaque > 5 else "")
            cats = ", ".join(s.unverified_categories) or "none"
            out.append(f"not seen into: {s.opaque} remote component{'s' if s.opaque != 1 else ''} ({shown}): their "
                       f"children are built by the component's provider and invisible offline; unverified for them: "
                       f"{cats}")
        return out

    @property
    def weakening(self) -> list[Deviation]:
        return [d for d in self.deviations if d.effect == "weakens"]

    def by_enforcement(self, level: str) -> list[ReportFinding]:
        return [f for f in self.findings if f.enforcement == level]

    @property
    def mandatory(self) -> list[ReportFinding]:
        return self.by_enforcement("mandatory")

    def all_findings(self) -> list[ReportFinding]:
        return self.findings + self.waived


def repo_root_for(path: Path) -> Path:
    """The nearest folder above ``path`` holding ``.git`` (code scanning paths are relative to it)."""
    path = path.resolve()
    for candidate in [path, *path.parents]:
        if (candidate / ".git").exists():
            return candidate
    return path


def _location(finding: Finding, program_dir: Path, root: Path) -> Location | None:
    if finding.source is None:
        return None
    full = (program_dir / finding.source.file).resolve()
    try:
        rel = full.relative_to(root)
    except ValueError:
        rel = Path(finding.source.file)
    return Location(file=rel.as_posix(), line=finding.source.line)


def plan_of(graph: Graph) -> Plan:
    plan = Plan()
    for r in graph.resources:
        if r.synthesized:
            continue  # default providers are not shown as steps by the CLI
        plan.create += 1
        if r.is_provider:
            plan.providers += 1
        elif not r.custom:
            plan.components += 1 if r.type != ROOT_STACK_TYPE else 0
        else:
            plan.custom += 1
        plan.by_type[r.type] = plan.by_type.get(r.type, 0) + 1
    plan.by_type = dict(sorted(plan.by_type.items()))
    return plan


def build_report(graph: Graph, result: AnalysisResult, waivers: WaiverSet | None = None,
                 seconds: dict[str, float] | None = None, packs: list[str] | None = None,
                 pack_dirs: list[Path] | None = None) -> Report:
    program_dir = Path(graph.program).parent
    root = repo_root_for(program_dir)
    waivers = waivers or WaiverSet()
    open_: list[ReportFinding] = []
    waived: list[ReportFinding] = []
    used: set[int] = set()
    for f in result.findings:
        rf = ReportFinding(
            pack=f.pack, pack_version=f.pack_version, policy=f.policy, enforcement=f.enforcement,
            severity=f.severity, urn=f.urn, type=f.type, name=f.name, message=f.message,
            description=f.description, frameworks=list(f.frameworks),
            # a state's sourcePosition is relative to its project, which is not here: shown as recorded
            source=(Location(file=f.source.file, line=f.source.line) if graph.source == "state" and f.source
                    else _location(f, program_dir, root)),
            remediation=f.remediation, error=f.error,
        )
        w = waivers.find(f.pack, f.policy, f.urn)
        if w is not None:
            used.add(id(w))
            rf.waiver = WaiverRef(policy=w.policy, urn=w.urn, reason=w.reason, approver=w.approver,
                                  expires=w.expires.isoformat())
            waived.append(rf)
        else:
            open_.append(rf)
    order = {r.urn: i for i, r in enumerate(graph.resources)}

    def key(f: ReportFinding) -> tuple:
        return (ENFORCEMENT_ORDER.get(f.enforcement, 9), SEVERITY_ORDER.get(f.severity, 4), f.pack, f.policy,
                order.get(f.urn or "", -1))

    open_.sort(key=key)
    waived.sort(key=key)
    policies = [PolicyRow(pack=p.pack, pack_version=p.pack_version, name=p.name, description=p.description,
                          enforcement=p.enforcement, severity=p.severity, frameworks=p.frameworks,
                          remediation=p.remediation, url=p.url, policy_type=p.policy_type,
                          evaluated=list(result.evaluated.get(f"{p.pack}/{p.name}", [])))
                for p in result.policies]
    mandatory = sum(1 for f in open_ if f.enforcement == "mandatory")
    warnings = list(graph.warnings) + list(result.warnings)
    for w in waivers.waivers:
        if id(w) not in used:
            warnings.append(f"waiver for {w.policy} on {w.urn} matched no finding (stale? remove it)")
    summary = Summary(
        resources=len(graph.resources), policies=len(policies),
        evaluations=sum(len(p.evaluated) for p in policies), mandatory=mandatory,
        advisory=sum(1 for f in open_ if f.enforcement == "advisory"),
        remediate=sum(1 for f in open_ if f.enforcement == "remediate"),
        errors=sum(1 for f in open_ if f.error), waived=len(waived),
        weakened=sum(1 for d in result.deviations if d.effect == "weakens"), passed=mandatory == 0,
        exit_code=1 if mandatory else 0, packs=packs or sorted({f"{p.pack}@{p.pack_version}" for p in result.policies}),
        plan=plan_of(graph), seconds={k: round(v, 3) for k, v in (seconds or {}).items()},
        source=graph.source,
    )
    from siaga.coverage import unseen

    blind = unseen(graph, result, pack_dirs or [])
    summary.opaque = len(blind.components)
    summary.opaque_components = blind.components
    summary.unverified_categories = blind.categories
    shown_program = graph.program if graph.source == "state" else str(program_dir)
    return Report(stack=graph.stack, project=graph.project, program=shown_program, preview=graph.preview,
                  generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), repo_root=str(root),
                  resources=len(graph.resources), findings=open_, waived=waived, policies=policies,
                  summary=summary, warnings=warnings, deviations=list(result.deviations))
