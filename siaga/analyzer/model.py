"""What an analysis run returns: the findings, the policies the packs declared, counts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from siaga.analyzer.deviations import Deviation
from siaga.engine.model import SourceLocation

Enforcement = Literal["mandatory", "advisory", "remediate", "disabled"]
ENFORCEMENT_LEVELS: tuple[str, ...] = ("advisory", "mandatory", "remediate", "disabled")


class Finding(BaseModel):
    """One diagnostic (or remediation, or policy error) from a pack, tied back to the program."""

    pack: str
    pack_version: str = ""
    policy: str
    description: str = ""
    message: str = ""
    enforcement: Enforcement
    severity: str | None = None
    urn: str | None = None
    """None for a stack-level finding that names no resource."""
    type: str | None = None
    name: str | None = None
    source: SourceLocation | None = None
    frameworks: list[str] = Field(default_factory=list)
    remediation: str | None = None
    error: bool = False
    """True when the policy raised instead of returning (reported as mandatory: it could not vouch)."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.pack, self.policy, self.urn or "")


class PolicyInfo(BaseModel):
    """A policy as the pack describes it in ``GetAnalyzerInfo`` (enforcement after configuration)."""

    pack: str
    pack_version: str = ""
    name: str
    title: str = ""
    """The policy's display name (``PolicyInfo.displayName``): the short title of a SARIF rule."""
    pack_dir: str = ""
    """The pack's folder (its README documents the policy)."""
    description: str = ""
    enforcement: Enforcement = "advisory"
    severity: str | None = None
    tags: list[str] = Field(default_factory=list)
    framework: dict[str, str] | None = None
    remediation: str | None = None
    url: str | None = None
    policy_type: Literal["resource", "stack", "unknown"] = "unknown"
    config_schema: dict[str, Any] | None = None
    """``{"properties": {...}, "required": [...]}`` or None when the policy takes no config."""
    config: dict[str, Any] = Field(default_factory=dict)
    """The configuration sent in ``Configure`` (defaults, initialConfig, then the config file)."""

    @property
    def frameworks(self) -> list[str]:
        out: list[str] = []
        if self.framework and self.framework.get("name"):
            out.append(" ".join(filter(None, [self.framework["name"], self.framework.get("version")])))
        for t in self.tags:
            if t not in out:
                out.append(t)
        return out


class AnalysisResult(BaseModel):
    findings: list[Finding] = Field(default_factory=list)
    policies: list[PolicyInfo] = Field(default_factory=list)
    resources: int = 0
    """How many resources were sent to ``Analyze`` (stack, components and providers included)."""
    evaluated: dict[str, list[str]] = Field(default_factory=dict)
    """``"pack/policy"`` -> URNs the policy was evaluated on (resource policies: every analyzed URN minus
    not-applicable ones; stack policies: ``[""]`` for the one stack-wide evaluation)."""
    not_applicable: dict[str, list[str]] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    deviations: list[Deviation] = Field(default_factory=list)
    """Where the policy config departs from the packs' baseline (siaga/analyzer/deviations.py)."""

    @property
    def mandatory(self) -> list[Finding]:
        return [f for f in self.findings if f.enforcement == "mandatory"]

    @property
    def advisory(self) -> list[Finding]:
        return [f for f in self.findings if f.enforcement == "advisory"]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.error]
