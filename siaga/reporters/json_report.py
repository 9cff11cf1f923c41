"""JSON: the stable contract other tools read.

``{"stack", "resources", "deviations": [...], "violations": [...], "waived": [...], "summary": {...}}``
(``summary`` also says what was checked: ``source`` ``program``|``state``, ``opaque`` remote components,
``opaque_components``, ``unverified_categories``, ``scope`` the same in words; ``deviations``: where the policy config departs from the packs' baseline, ``effect`` weakens first); each violation is
``{"pack", "policy", "enforcement", "severity", "urn", "type", "name", "message", "frameworks",
"source": {"file", "line"} | null}``; a waived entry adds ``"waiver": {"policy", "urn", "reason",
"approver", "expires"}``. ``violations`` holds every unwaived finding (mandatory, advisory, remediate).

Also: each finding's ``status`` (``new``/``unchanged`` against a base, else null) and ``config`` (the stack-file
key that causes it: ``{"key", "value", "file", "line", "how", "why", "others"}`` or null); ``fixed`` (the base's
findings that are gone), ``base``, ``gate``, ``waivers`` (the file used), ``stack_file``, ``plan_diff``
(create/update/replace/delete steps), and what a later ``--base-report`` of this report needs: ``plan_resources``
(fingerprints, never values) and ``config_keys``. ``report`` is the whole report model (``siaga comment`` merges
several into one pull-request comment); no absolute path appears anywhere.
"""

from __future__ import annotations

import json
from typing import Any

from siaga.report_model import Report, ReportFinding

VIOLATION_KEYS = ("pack", "policy", "enforcement", "severity", "urn", "type", "name", "message", "frameworks", "source",
                  "status", "config")


def violation(f: ReportFinding) -> dict[str, Any]:
    return {
        "pack": f.pack, "policy": f.policy, "enforcement": f.enforcement, "severity": f.severity,
        "urn": f.urn, "type": f.type, "name": f.name, "message": f.title, "frameworks": list(f.frameworks),
        "source": {"file": f.source.file, "line": f.source.line} if f.source else None,
        "status": f.status, "config": f.config.model_dump() if f.config else None,
    }


def as_dict(report: Report) -> dict[str, Any]:
    waived = []
    for f in report.waived:
        entry = violation(f)
        entry["waiver"] = f.waiver.model_dump() if f.waiver else None
        waived.append(entry)
    summary = report.summary.model_dump()
    summary["project"] = report.project
    summary["preview"] = report.preview
    summary["errors_detail"] = [violation(f) for f in report.findings if f.error]
    summary["warnings"] = list(report.warnings)
    summary["scope"] = report.scope_lines
    return {"stack": report.stack, "resources": report.resources,
            "deviations": [d.model_dump() | {"line": d.line} for d in report.deviations],
            "violations": [violation(f) for f in report.findings], "waived": waived, "summary": summary,
            "fixed": [violation(f) for f in report.fixed], "base": report.base, "gate": report.summary.gate,
            "waivers": report.waivers_file, "stack_file": report.stack_file,
            "plan_diff": report.plan_diff.model_dump() if report.plan_diff else None,
            "plan_resources": [r.model_dump() for r in report.plan_resources],
            "config_keys": report.config_keys, "report": portable(report)}


def portable(report: Report) -> dict[str, Any]:
    """The report model without the runner's absolute paths (the program folder shown relative to the root) and
    without each policy's evaluated URNs (thousands on a real stack; the summary keeps their count)."""
    data = report.model_dump(mode="json", exclude={"plan_resources": True, "config_keys": True,
                                                   "policies": {"__all__": {"evaluated"}}})
    data["program"] = report.relative(report.program)
    data["repo_root"] = ""
    return data


def render(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, ensure_ascii=False) + "\n"
