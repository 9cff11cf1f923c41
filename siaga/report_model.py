"""The ONE report every ``siaga check`` format is rendered from (text, markdown, sarif, junit, json)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

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


class ConfigSource(BaseModel):
    """The stack-config key a finding comes from (siaga/provenance.py): shown in every format, and in SARIF the
    finding is located at ``file``:``line`` so code scanning annotates the pull request's changed line."""

    key: str
    value: str
    """As a person reads it; ``[secret]`` for a secret key (never the value)."""
    file: str | None = None
    """The stack file, relative to the repository root; None when the value came from ``--config``."""
    line: int | None = None
    how: str = "declared"
    """``declared`` (the config model says this key sets the property) or ``changed`` (new against the base while
    the stack file's diff changed this key)."""
    why: str = ""
    others: list[str] = Field(default_factory=list)
    """Other keys the same diff changed (``changed`` only)."""

    @property
    def label(self) -> str:
        where = f" ({self.file}:{self.line})" if self.file and self.line else " (--config)" if not self.file else ""
        return f"{self.key}={self.value}{where}"


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
    config: ConfigSource | None = None
    status: str | None = None
    """Against a base (``--base``): ``new``, ``unchanged`` or ``fixed``; None without a base."""

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
    def config_note(self) -> str:
        """The stack-file key behind the finding, in words (every format says it)."""
        if self.config is None:
            return ""
        if self.config.how == "declared":
            return f"set by {self.config.label}"
        more = f" (also changed: {', '.join(self.config.others)})" if self.config.others else ""
        return f"new with the change to {self.config.label}{more}"

    @property
    def resource(self) -> str:
        return f"{self.name} ({self.type})" if self.name else "(stack)"


class PolicyRow(BaseModel):
    pack: str
    pack_version: str = ""
    name: str
    title: str = ""
    description: str = ""
    enforcement: str
    severity: str | None = None
    frameworks: list[str] = Field(default_factory=list)
    remediation: str | None = None
    url: str | None = None
    help_path: str | None = None
    """The pack's README section for the policy, relative to the repository root (``policies/README.md#<id>``)."""
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


class PlanResource(BaseModel):
    """A resource as the plan diff compares it (siaga/plan_diff.py); kept in the JSON report so a saved report of
    the base is enough (``--base-report``). Values are fingerprints, never the values (secrets stay out)."""

    urn: str
    type: str
    name: str
    parent: str | None = None
    custom: bool = True
    provider: str | None = None
    protect: bool = False
    stateful: bool = False
    synthesized: bool = False
    aliases: list[Any] = Field(default_factory=list)
    """As the program declared them (alias specs or URNs)."""
    forcing: dict[str, str] = Field(default_factory=dict)
    """Replace-forcing input -> fingerprint."""
    replace_on_changes: list[str] = Field(default_factory=list)
    region: str | None = None
    """The AWS region it lives in (its own ``region``, its provider's, ``aws:region``): a change replaces it."""
    inputs: str = ""
    """Fingerprint of all inputs (an update when it differs)."""


class PlanStep(BaseModel):
    """One resource in the plan diff (siaga/plan_diff.py)."""

    op: str
    """``create`` | ``update`` | ``replace`` | ``delete``."""
    urn: str
    type: str
    name: str
    old_urn: str | None = None
    """The URN it had before when an alias carries it over (a rename that is not a replacement)."""
    stateful: bool = False
    protected: bool = False
    reasons: list[str] = Field(default_factory=list)
    """Replace-forcing inputs that changed (``replace``), or the URN it moved from (a delete paired with a create)."""


class PlanDiff(BaseModel):
    """What ``pulumi preview`` would do, against the base's graph or the deployed state, grouped as it groups it."""

    against: str
    create: list[PlanStep] = Field(default_factory=list)
    update: list[PlanStep] = Field(default_factory=list)
    replace: list[PlanStep] = Field(default_factory=list)
    delete: list[PlanStep] = Field(default_factory=list)
    same: int = 0

    def counts(self) -> dict[str, int]:
        return {"create": len(self.create), "update": len(self.update), "replace": len(self.replace),
                "delete": len(self.delete), "same": self.same}


class Links(BaseModel):
    """Where a finding's file and line are on the forge (``blob/<sha>/<path>#L<n>``), from the CI environment."""

    server: str
    repository: str
    sha: str

    def blob(self, path: str, line: int | None = None) -> str:
        return f"{self.server.rstrip('/')}/{self.repository}/blob/{self.sha}/{path}" + (f"#L{line}" if line else "")


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
    blocking: int = 0
    """Mandatory findings that fail the check: the *new* ones against a base (``--gate new``), else all of them.
    The exit code, JUnit's failures + errors and the comment's headline count these."""
    new: int = 0
    unchanged: int = 0
    fixed: int = 0
    gate: str = "absolute"


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
    fixed: list[ReportFinding] = Field(default_factory=list)
    """Findings the base had and this revision no longer has (``--base``)."""
    base: str | None = None
    """What the findings were compared with: ``REF`` (``--base``) or a saved report (``--base-report``)."""
    plan_diff: PlanDiff | None = None
    waivers_file: str | None = None
    """The waivers file used (relative to the repository root), by convention ``stacks/waivers.<stack>.yaml``."""
    stack_file: str | None = None
    links: Links | None = None
    plan_resources: list[PlanResource] = Field(default_factory=list)
    config_keys: dict[str, str] = Field(default_factory=dict)
    """The stack file's keys and values as shown (secrets as ``[secret]``): a later ``--base-report`` of this one
    tells which keys a pull request changed."""

    def refresh_summary(self) -> None:
        """Counts, verdict and exit code from the findings as they are now (after provenance, base comparison and
        the plan diff added to them): every format reads the same numbers."""
        s = self.summary
        open_ = self.findings
        s.mandatory = sum(1 for f in open_ if f.enforcement == "mandatory")
        s.advisory = sum(1 for f in open_ if f.enforcement == "advisory")
        s.remediate = sum(1 for f in open_ if f.enforcement == "remediate")
        s.errors = sum(1 for f in open_ if f.error)
        s.waived = len(self.waived)
        s.new = sum(1 for f in open_ if f.status == "new")
        s.unchanged = sum(1 for f in open_ if f.status == "unchanged")
        s.fixed = len(self.fixed)
        s.blocking = len(self.blocking)
        s.passed = s.blocking == 0
        s.exit_code = 0 if s.passed else 1

    @property
    def blocking(self) -> list[ReportFinding]:
        """The mandatory findings that fail the check under the gate (summary.blocking)."""
        return [f for f in self.findings if f.enforcement == "mandatory"
                and (self.summary.gate == "absolute" or f.status != "unchanged")]

    @property
    def scope_lines(self) -> list[str]:
        """What the check covered, said in every format's summary: a deployment's state instead of a program, and
        the remote components it could not see into with the policy categories that leaves unverified."""
        s = self.summary
        out = []
        if s.source == "state":
            out.append(f"checked: a deployment's state ({self.relative(self.program)}, from `pulumi stack export`): the resources as "
                       "deployed, no program was run")
        if s.opaque:
            shown = ", ".join(s.opaque_components[:5]) + (f" and {s.opaque - 5} more" if s.opaque > 5 else "")
            cats = ", ".join(s.unverified_categories) or "none"
            out.append(f"not seen into: {s.opaque} remote component{'s' if s.opaque != 1 else ''} ({shown}): their "
                       f"children are built by the component's provider and invisible offline; unverified for them: "
                       f"{cats}")
        return out

    def relative(self, path: str) -> str:
        """A path as every report shows it: relative to the repository root, never the runner's absolute path."""
        p = Path(path)
        if not p.is_absolute():
            return p.as_posix()
        try:
            return p.resolve().relative_to(Path(self.repo_root).resolve()).as_posix() or "."
        except (ValueError, OSError):
            return p.name

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


def strip_urn(message: str, urn: str | None) -> str:
    """The pack prefixes each message with the URN (``<urn>: ...``, as CrossGuard's own packs do); every report
    already shows the resource, so the message keeps only what is wrong and the fix."""
    if not urn or urn not in message:
        return message
    return message.replace(f"{urn}: ", "", 1) if f"{urn}: " in message else message.replace(urn, "", 1).strip()


def links_from_env(env: dict[str, str]) -> Links | None:
    """``GITHUB_SERVER_URL``/``GITHUB_REPOSITORY`` and the commit (``SIAGA_COMMIT_SHA``, else ``GITHUB_SHA``): a pull
    request's workflow sets ``SIAGA_COMMIT_SHA`` to the head commit, whose lines the reviewer sees."""
    server, repo = env.get("GITHUB_SERVER_URL", ""), env.get("GITHUB_REPOSITORY", "")
    sha = env.get("SIAGA_COMMIT_SHA") or env.get("GITHUB_SHA", "")
    import re

    if not (server.startswith("https://") and re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repo)
            and re.fullmatch(r"[0-9a-f]{7,64}", sha)):
        return None
    return Links(server=server, repository=repo, sha=sha)


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


def _help_path(pack_dir: str, policy: str, root: Path) -> str | None:
    """``<pack>/README.md#<policy>`` relative to the repository root, when the pack has a README there."""
    if not pack_dir:
        return None
    readme = Path(pack_dir) / "README.md"
    try:
        return f"{readme.resolve().relative_to(root).as_posix()}#{policy}" if readme.is_file() else None
    except ValueError:
        return None


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
            severity=f.severity, urn=f.urn, type=f.type, name=f.name, message=strip_urn(f.message, f.urn),
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
    policies = [PolicyRow(pack=p.pack, pack_version=p.pack_version, name=p.name, title=p.title,
                          description=p.description,
                          help_path=_help_path(p.pack_dir, p.name, root),
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
        source=graph.source, blocking=mandatory,
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
