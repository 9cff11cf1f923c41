"""The values only the operator knows at incident time, which the runbook's commands read from the environment.

Every other variable a runbook command uses is set by an earlier command that obtains it (``aws ... --query ...
--output text``, ``pulumi stack output``), never by an example value; these few cannot be obtained by a command
(which finding the incident is about, the time before the damage) and are listed, with what to set them to, at the
top of the DRP. tests/test_documents_runbook.py checks every ``$VAR`` of every code block is one or the other.
"""

from __future__ import annotations

import re

from siaga.i18n import N_, Language

INPUTS: dict[str, str] = {
    "RESTORE_TIME": N_("the UTC time just before the damage, ISO 8601 ({format}): restores and recovery points are "
                       "taken from before it"),
    "FINDING_ID": N_("the id of the GuardDuty finding the incident is about (from {command})"),
    "INCIDENT_ID": N_("the incident record's number: it tags the forensic snapshots"),
    "LEAKED_KEY_ID": N_("the access key id that leaked (the user it belongs to is looked up)"),
    "PRIMARY_KUBE_CONTEXT": N_("the kubectl context of the primary cluster (from {command})"),
    "STANDBY_KUBE_CONTEXT": N_("the kubectl context of the standby cluster (from {command})"),
}
_ARGS: dict[str, dict[str, str]] = {
    "RESTORE_TIME": {"format": "`YYYY-MM-DDThh:mm:ssZ`"},
    "FINDING_ID": {"command": "`aws guardduty list-findings`"},
    "PRIMARY_KUBE_CONTEXT": {"command": "`kubectl config get-contexts`"},
    "STANDBY_KUBE_CONTEXT": {"command": "`kubectl config get-contexts`"},
}
"""What each description's placeholders name: a format or the command that shows the value."""


def used_inputs(markdown: str) -> list[str]:
    """The inputs the fenced code blocks of ``markdown`` read, in :data:`INPUTS` order."""
    code = "\n".join(re.findall(r"^```sh\n(.*?)^```", markdown, flags=re.M | re.S))
    return [name for name in INPUTS if re.search(rf"\$\{{?{name}\b", code)]


def inputs_section(markdown: str, lang: Language) -> list[str]:
    """Markdown lines listing the inputs ``markdown``'s commands read (none: no lines)."""
    _ = lang.gettext
    used = used_inputs(markdown)
    if not used:
        return []
    lines = ["## " + _("Values to set before running the commands"), "",
             _("The commands below take every other value from AWS or Pulumi when they run; these only the operator "
               "knows. Set each one in the shell (for example {example}) before the steps that use it:").format(
                 example="`export INCIDENT_ID=...`"), ""]
    for name in used:
        lines.append(f"- `{name}`: " + _(INPUTS[name]).format(**_ARGS.get(name, {})))
    return [*lines, ""]


__all__ = ["INPUTS", "inputs_section", "used_inputs"]
