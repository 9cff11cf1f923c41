"""SARIF 2.1.0 for code scanning: one rule per policy (short title, ``helpUri`` into the pack's README), results at
the declaring file and line, or at the stack-file line of the key that causes them (GitHub annotates only lines a
pull request changed: a one-line config change gets its annotation there, with the code declaration as a related
location). Against a base, each result carries its ``baselineState`` and only new mandatory findings are errors
(``--gate new``). Every path is relative to the repository root (``%SRCROOT%``, which the uploader resolves): no
absolute path of the runner's checkout is recorded."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from siaga.report_model import Location, Report, ReportFinding

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {"mandatory": "error", "advisory": "warning", "remediate": "note", "disabled": "none"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
INFORMATION_URI = "https://www.pulumi.com/docs/insights/policy/"


def _tool_version() -> str:
    try:
        from importlib.metadata import version
        return version("siaga")
    except Exception:  # noqa: BLE001 - not installed as a distribution (running from the tree)
        return "0.0.0"


def _rule(p: Any, report: Report) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": p.rule_id, "name": p.name,
        "shortDescription": {"text": p.title or p.name},
        "fullDescription": {"text": p.description or p.name},
        "defaultConfiguration": {"level": LEVEL.get(p.enforcement, "warning")},
        "properties": {"tags": ["security", "infrastructure", *p.frameworks], "enforcement": p.enforcement,
                       "pack": p.pack, "packVersion": p.pack_version, "policyType": p.policy_type},
    }
    if p.remediation:
        rule["help"] = {"text": p.remediation, "markdown": p.remediation}
    if p.help_path and report.links is not None:
        rule["helpUri"] = report.links.blob(p.help_path.split("#", 1)[0]) + "#" + p.help_path.split("#", 1)[1]
    elif p.url:
        rule["helpUri"] = p.url
    elif p.help_path:
        rule["properties"]["help"] = p.help_path
    if p.severity:
        rule["properties"]["security-severity"] = SECURITY_SEVERITY.get(p.severity, "5.5")
        rule["properties"]["severity"] = p.severity
    return rule


def _fallback_location(report: Report) -> Location:
    # a program's findings without a declaration point at its main file; a state's at the export itself
    if report.summary.source == "state":
        return Location(file=report.relative(report.program), line=1)
    if not report.repo_root:
        return Location(file="__main__.py", line=1)
    return Location(file=report.relative(str(Path(report.program) / "__main__.py")), line=1)


def _physical(loc: Location) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": {"uri": loc.file, "uriBaseId": "%SRCROOT%"},
                                 "region": {"startLine": max(1, loc.line)}}}


def _level(f: ReportFinding, report: Report) -> str:
    if f.status == "unchanged" and report.summary.gate == "new" and f.enforcement == "mandatory":
        return "note"  # present in the base already: not this change's (the gate follows new findings)
    return LEVEL.get(f.enforcement, "warning")


def _result(f: ReportFinding, index: dict[str, int], report: Report) -> dict[str, Any]:
    code = f.source or _fallback_location(report)
    config = Location(file=f.config.file, line=f.config.line) if f.config and f.config.file and f.config.line \
        else None
    text = f.title
    if f.name:
        text = f"{f.name} ({f.type}): {text}"
    if f.config:
        text += (f" Set by {f.config.label}." if f.config.how == "declared"
                 else f" New with the change to {f.config.label}.")
    if f.remediation:
        text += f" Fix: {f.remediation}"
    location: dict[str, Any] = _physical(config or code)
    if f.urn:
        location["logicalLocations"] = [{"fullyQualifiedName": f.urn, "name": f.name or "", "kind": "resource"}]
    fingerprint = hashlib.sha256(f"{f.rule_id}\0{f.urn or ''}".encode()).hexdigest()[:32]
    result: dict[str, Any] = {
        "ruleId": f.rule_id, "level": _level(f, report), "message": {"text": text},
        "locations": [location], "partialFingerprints": {"siagaFinding/v1": fingerprint},
        "properties": {"enforcement": f.enforcement, "urn": f.urn or "", "frameworks": f.frameworks,
                       "policyError": f.error},
    }
    if config is not None:
        result["relatedLocations"] = [{"id": 1, **_physical(code), "message": {"text": "declared here"}}]
    if f.config:
        result["properties"]["configKey"] = f.config.key
        result["properties"]["configValue"] = f.config.value
    if f.status in ("new", "unchanged"):
        result["baselineState"] = f.status
    if f.rule_id in index:
        result["ruleIndex"] = index[f.rule_id]
    if f.severity:
        result["properties"]["severity"] = f.severity
    if f.waiver:
        result["suppressions"] = [{
            "kind": "external", "status": "accepted",
            "justification": f"{f.waiver.reason} (approved by {f.waiver.approver}, expires {f.waiver.expires})",
        }]
    return result


def as_dict(report: Report) -> dict[str, Any]:
    rules = [_rule(p, report) for p in report.policies]
    index = {r["id"]: i for i, r in enumerate(rules)}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "siaga", "informationUri": INFORMATION_URI, "version": _tool_version(),
                                "rules": rules}},
            "automationDetails": {"id": f"siaga-check/{report.project}/{report.stack}/"},
            "invocations": [{"executionSuccessful": True, **({"endTimeUtc": report.generated} if report.generated else {}),
                             **({"toolConfigurationNotifications": [{
                                 "descriptor": {"id": f"{d.pack}/{d.policy}"},
                                 "level": "warning" if d.effect == "weakens" else "note",
                                 "message": {"text": f"policy config {d.effect} the baseline: {d.detail}"}}
                                 for d in report.deviations]} if report.deviations else {}),
                             **({"toolExecutionNotifications": [
                                 {"level": "warning" if "not seen into" in line else "note", "message": {"text": line}}
                                 for line in report.scope_lines]} if report.scope_lines else {})}],
            "results": [_result(f, index, report) for f in report.findings + report.waived],
            "properties": {"stack": report.stack, "project": report.project, "resources": report.resources,
                           "packs": report.summary.packs, "base": report.base, "waivers": report.waivers_file,
                           "stackFile": report.stack_file,
                           "planDiff": report.plan_diff.counts() if report.plan_diff else None,
                           "deviations": [d.model_dump() for d in report.deviations],
                           "summary": report.summary.model_dump(exclude={"plan", "seconds"})},
        }],
    }


def render(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, ensure_ascii=False) + "\n"
