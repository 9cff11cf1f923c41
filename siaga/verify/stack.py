"""What ``siaga verify --stack`` needs from a stack: the baseline its launch template deploys (read back from
the user data in the offline graph) and the hosts (from the stack's outputs)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from components.userdata import UserDataSettings, settings_from_user_data
from siaga.engine import Graph
from siaga.verify.calls import call_json
from siaga.verify.runner import VerifyError

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


def settings_from_graph(graph: Graph) -> UserDataSettings:
    """The baseline settings of the stack's launch template(s); one set, or a one-line error."""
    found: dict[str, UserDataSettings] = {}
    for res in graph.of_type(LAUNCH_TEMPLATE):
        data = res.plain_inputs().get("userData")
        if isinstance(data, str):
            settings = settings_from_user_data(data)
            if settings is not None:
                found[res.name] = settings
    if not found:
        raise VerifyError(f"stack {graph.stack}: no launch template carries the siaga host baseline "
                          "(components/userdata.py); give --settings FILE")
    if len({s.model_dump_json() for s in found.values()}) > 1:
        raise VerifyError(f"stack {graph.stack}: launch templates {sorted(found)} carry different baselines; "
                          "give --settings FILE")
    return next(iter(found.values()))


def load_outputs(stack: str, outputs_file: Path | None) -> dict[str, Any]:
    """``pulumi stack output --json`` saved to a file, or asked from the Pulumi CLI when it is installed."""
    if outputs_file is not None:
        from siaga.inputs import InputFileError, load_json_or_yaml

        try:  # bounded by bytes read, duplicate keys refused, one line (siaga/inputs.py)
            data = load_json_or_yaml(outputs_file, "--outputs", json_only=True)
        except InputFileError as exc:
            raise VerifyError(str(exc)) from None
        if not isinstance(data, dict):
            raise VerifyError(f"--outputs {outputs_file}: expected a JSON object (pulumi stack output --json)")
        return data
    if shutil.which("pulumi") is None:
        raise VerifyError("no hosts: give --hosts, or --outputs FILE (pulumi stack output --json), "
                          "or install the Pulumi CLI")
    data = call_json(["pulumi", "stack", "output", "--json", "--stack", stack], f"pulumi stack output --stack {stack}",
                     timeout=120)
    if not isinstance(data, dict):
        raise VerifyError(f"pulumi stack output --stack {stack}: expected a JSON object")
    return data


def hosts_from_outputs(outputs: dict[str, Any], backend: str) -> list[str]:
    """``hosts`` or ``instanceIds`` (lists) when exported; else the instances of ``asgName`` (aws CLI)."""
    for key in ("hosts", "instanceIds"):
        value = outputs.get(key)
        if isinstance(value, list) and all(isinstance(v, str) for v in value) and value:
            return list(value)
    asg = outputs.get("asgName")
    if isinstance(asg, str) and asg:
        if backend != "ssm":
            raise VerifyError(f"outputs name only asgName={asg!r}; with --backend {backend} give --hosts")
        return instances_of_asg(asg, outputs.get("region"))
    raise VerifyError(f"outputs have no hosts, instanceIds or asgName (keys: {', '.join(sorted(outputs)) or 'none'})")


def instances_of_asg(asg: str, region: Any) -> list[str]:
    if shutil.which("aws") is None:
        raise VerifyError(f"asgName={asg!r}: listing its instances needs the aws CLI; give --hosts instead")
    cmd = ["aws", "autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", asg, "--output", "json"]
    if isinstance(region, str):
        cmd += ["--region", region]
    what = f"aws autoscaling describe-auto-scaling-groups {asg}"
    answer = call_json(cmd, what, env=os.environ.copy())
    groups = answer.get("AutoScalingGroups") if isinstance(answer, dict) else None
    try:
        ids = [i["InstanceId"] for g in groups or [] for i in g.get("Instances", [])
               if i.get("LifecycleState") == "InService"]
    except (AttributeError, KeyError, TypeError):
        raise VerifyError(f"{what}: not the answer describe-auto-scaling-groups gives") from None
    if not ids:
        raise VerifyError(f"asgName={asg!r}: no InService instances")
    return ids
