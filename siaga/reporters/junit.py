"""JUnit XML: one test case per policy and resource evaluated (a stack policy: one case for the stack).

An unwaived mandatory finding is a ``<failure>``, a policy that raised an ``<error>``, a waived finding
``<skipped>`` (with the waiver), advisory and remediated findings pass with the message in ``<system-out>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import OrderedDict

from siaga.escape.xml import text as printable
from siaga.report_model import Report, ReportFinding


def _case_name(urn: str) -> str:
    if not urn:
        return "(stack)"
    parts = urn.split("::")
    return "::".join(parts[2:]) if len(parts) >= 4 else urn


def _safe(root: ET.Element) -> None:
    """Every attribute and text from the program (names, messages) made XML 1.0-safe (no control characters)."""
    for el in root.iter():
        for k, v in el.attrib.items():
            el.set(k, printable(v))
        if el.text:
            el.text = printable(el.text)


def render(report: Report) -> str:
    cases: OrderedDict[tuple[str, str], list[ReportFinding]] = OrderedDict()
    stack_rules = {p.rule_id for p in report.policies if p.policy_type == "stack"}
    for p in report.policies:
        for urn in p.evaluated:
            cases.setdefault((p.rule_id, urn), [])
    for f in report.findings + report.waived:
        key = (f.rule_id, f.urn or "")
        if key not in cases and f.rule_id in stack_rules and (f.rule_id, "") in cases:
            key = (f.rule_id, "")
        cases.setdefault(key, []).append(f)

    root = ET.Element("testsuites", name=f"siaga check {report.project}/{report.stack}")
    if report.deviations:  # first: a weakened gate is read before any result
        config = ET.SubElement(root, "testsuite", name="policy-configuration", tests="0", failures="0", errors="0",
                               skipped="0")
        props = ET.SubElement(config, "properties")
        for d in report.deviations:
            ET.SubElement(props, "property", name=f"deviation.{d.effect}", value=d.line)
    if report.scope_lines:  # what the check covered, read before any result (state checked, components not seen)
        scope = ET.SubElement(root, "testsuite", name="check-scope", tests="0", failures="0", errors="0", skipped="0")
        props = ET.SubElement(scope, "properties")
        s = report.summary
        ET.SubElement(props, "property", name="source", value=s.source)
        ET.SubElement(props, "property", name="opaque", value=str(s.opaque))
        ET.SubElement(props, "property", name="unverified-categories", value=",".join(s.unverified_categories))
        for line in report.scope_lines:
            ET.SubElement(props, "property", name="scope", value=line)
    suites: dict[str, ET.Element] = {}
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    counts: dict[str, dict[str, int]] = {}
    for (rule_id, urn), findings in cases.items():
        pack, policy = rule_id.split("/", 1)
        suite = suites.get(pack)
        if suite is None:
            suite = suites[pack] = ET.SubElement(root, "testsuite", name=pack)
            counts[pack] = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        case = ET.SubElement(suite, "testcase", classname=f"{pack}.{policy}", name=_case_name(urn))
        if urn:
            ET.SubElement(ET.SubElement(case, "properties"), "property", name="urn", value=urn)
        counts[pack]["tests"] += 1
        open_ = [f for f in findings if f.waiver is None]
        errors = [f for f in open_ if f.error]
        failures = [f for f in open_ if f.enforcement == "mandatory" and not f.error]
        waived = [f for f in findings if f.waiver is not None]
        notes = [f for f in open_ if f.enforcement not in ("mandatory",)]
        if errors:
            el = ET.SubElement(case, "error", message=errors[0].title, type="policy-error")
            el.text = "\n".join(f.title for f in errors)
            counts[pack]["errors"] += 1
        elif failures:
            first = failures[0]
            el = ET.SubElement(case, "failure", message=first.title, type="mandatory")
            el.text = "\n".join(
                f"{f.title}\nresource: {f.urn or '(stack)'}\nat: {f.where or '?'}\nfix: {f.remediation or '-'}"
                for f in failures)
            counts[pack]["failures"] += 1
        elif waived and not open_:
            w = waived[0].waiver
            assert w is not None
            ET.SubElement(case, "skipped", message=f"waived: {w.reason} (approved by {w.approver}, expires {w.expires})")
            counts[pack]["skipped"] += 1
        if notes:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(f"[{f.enforcement}] {f.title}" for f in notes)
    for pack, suite in suites.items():
        for k, v in counts[pack].items():
            suite.set(k, str(v))
            totals[k] += v
    for k, v in totals.items():
        root.set(k, str(v))
    _safe(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
