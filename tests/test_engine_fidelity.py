"""Engine fidelity, round 2 (issues #23 "Engine semantics", #24): what the Pulumi engine refuses (a duplicate URN),
outputs derived from inputs (zones, the provider's account), remote components' declared outputs, no silent None,
and outputs of other resources through exports and nested inputs. Each program runs in both modes, and its graph
is the one the same program registers under the SDK's own mocks (tests/mock_graph.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siaga.cli import app
from siaga.engine import EngineError, Graph, run_program
from siaga.engine.declarations import Declarations
from siaga.engine.invokes import ACCOUNT_ID
from siaga.engine.model import ROOT_STACK_TYPE, UNKNOWN
from tests.conftest import PROGRAMS, REPO

DUP = PROGRAMS / "duplicate_urn"
DERIVED = PROGRAMS / "derived_outputs"
REMOTE = PROGRAMS / "remote_outputs"
NO_NONE = PROGRAMS / "no_silent_none"
SDKS = REPO / "tests" / "fixtures" / "sdks"
BACKUP_ACCOUNT = "210987654321"


def _graph(program: Path, preview: bool) -> Graph:
    return run_program(program, stack="dev", preview=preview)


@pytest.fixture(scope="module", params=[False, True], ids=["resolved", "unknowns"])
def derived(request: pytest.FixtureRequest) -> Graph:
    return _graph(DERIVED, request.param)


@pytest.fixture(scope="module", params=[False, True], ids=["resolved", "unknowns"])
def remote(request: pytest.FixtureRequest) -> Graph:
    return _graph(REMOTE, request.param)


@pytest.fixture(scope="module", params=[False, True], ids=["resolved", "unknowns"])
def no_none(request: pytest.FixtureRequest) -> Graph:
    return _graph(NO_NONE, request.param)


# -- a duplicate URN ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("preview", [False, True])
def test_a_duplicate_urn_is_refused_naming_both_registrations(preview: bool) -> None:
    with pytest.raises(EngineError) as info:
        run_program(DUP, stack="dev", preview=preview)
    message = str(info.value)
    # pkg/diag/errors.go GetDuplicateResourceURNError, as step_generator.go reports it
    assert message.startswith("Duplicate resource URN 'urn:pulumi:dev::dupurn::aws:ec2/subnet:Subnet::app'; "
                              "try giving it a unique name")
    assert message.count("aws:ec2/subnet:Subnet 'app' at __main__.py:8") == 2 and "\n" not in message


@pytest.mark.parametrize("extra", [[], ["--unknowns"]])
def test_a_duplicate_urn_through_the_cli_exits_2_with_one_line(extra: list[str]) -> None:
    done = CliRunner().invoke(app, ["preview", str(DUP), "--stack", "dev", *extra], env={"COLUMNS": "300"})
    assert done.exit_code == 2
    lines = [ln for ln in done.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Duplicate resource URN" in lines[0]


# -- outputs derived from inputs -------------------------------------------------------------------------------------

def test_subnets_placed_by_zone_id_are_in_three_zones(derived: Graph) -> None:
    subnets = [r for r in derived.resources if r.type == "aws:ec2/subnet:Subnet" and r.name.startswith("private-")]
    assert sorted(s.inputs["availabilityZoneId"] for s in subnets) == ["apse3-az1", "apse3-az2", "apse3-az3"]
    if derived.preview:  # a preview knows the ids the program gave; the names are the provider's to report
        assert all("availabilityZone" not in s.outputs for s in subnets)
        return
    pairs = sorted((s.outputs["availabilityZoneId"], s.outputs["availabilityZone"]) for s in subnets)
    assert pairs == [("apse3-az1", "ap-southeast-3a"), ("apse3-az2", "ap-southeast-3b"),
                     ("apse3-az3", "ap-southeast-3c")]
    ex = derived.exports
    assert ex["subnet_zones"] == ["ap-southeast-3a", "ap-southeast-3b", "ap-southeast-3c"]
    assert ex["by_name_zone_id"] == "apse3-az2"  # and the reverse
    # what sits in a subnet is in its zone
    assert ex["vm_zone"] == "ap-southeast-3c" and ex["db_zone"] == "ap-southeast-3a"
    assert ex["asg_zones"] == ["ap-southeast-3a", "ap-southeast-3b", "ap-southeast-3c"]


def test_an_assume_role_provider_works_in_its_own_account(derived: Graph) -> None:
    if derived.preview:
        assert derived.exports["backup_identity"] == BACKUP_ACCOUNT  # an invoke is answered in a preview too
        assert derived.exports["backup_caller"] == f"arn:aws:sts::{BACKUP_ACCOUNT}:assumed-role/siaga-backup-admin/siaga"
        return
    ex = derived.exports
    assert ex["vault_key_arn"].startswith(f"arn:aws:kms:ap-southeast-3:{BACKUP_ACCOUNT}:key/")
    assert ex["vault_arn"].startswith(f"arn:aws:backup:ap-southeast-3:{BACKUP_ACCOUNT}:backup-vault:")
    assert ex["backup_vpc_owner"] == BACKUP_ACCOUNT and ex["backup_identity"] == BACKUP_ACCOUNT
    assert ex["main_key_arn"].startswith(f"arn:aws:kms:ap-southeast-3:{ACCOUNT_ID}:key/")
    assert ex["main_identity"] == ACCOUNT_ID
    # what the program gave is kept: the vault's key ARN input is the key's (backup-account) ARN
    vault = derived.get("aws:backup/vault:Vault", "vault")
    assert vault.inputs["kmsKeyArn"] == ex["vault_key_arn"]


# -- remote components -----------------------------------------------------------------------------------------------

def test_remote_component_outputs_are_indexed_iterated_and_read(remote: Graph) -> None:
    vpc = remote.get("fakex:ec2:Vpc", "vpc")
    assert vpc.remote and not remote.children(vpc.urn)  # the children stay unseen
    assert not any("$aws:" in r.urn for r in remote.resources)
    routes = [r for r in remote.resources if r.type == "aws:ec2/route:Route"]
    assert len(routes) == 3
    ex = remote.exports
    if remote.preview:  # a first preview: the ids of children not created yet are unknown
        assert ex["first_public"] == UNKNOWN and ex["node_group_name"] == UNKNOWN
        return
    nats = [r.inputs["natGatewayId"] for r in routes]
    assert len(set(nats)) == 3 and all(n.startswith("nat-0") for n in nats)
    assert ex["subnet_zones"] == ["ap-southeast-3a", "ap-southeast-3b", "ap-southeast-3c"]
    assert ex["private_count"] == 3
    assert ex["first_public"] == vpc.outputs["publicSubnetIds"][0] and ex["first_public"].startswith("subnet-0")
    assert ex["vpc_id"] == vpc.outputs["vpcId"] and ex["vpc_id"].startswith("vpc-0")
    assert re.fullmatch(r"workers-nodegroup-[0-9a-f]{7}", ex["node_group_name"])
    assert ex["node_group_arn"].startswith(f"arn:aws:eks:ap-southeast-3:{ACCOUNT_ID}:")
    assert len(ex["layout"]) == 3 and all(isinstance(t, str) for t in ex["layout"])
    assert [s["availability_zone"] for s in ex["subnets"]] == ex["subnet_zones"]
    assert ex["subnet_vpcs"] == [ex["vpc_id"]] * 3  # the children are in the component's VPC
    assert ex["subnet_cidrs"] == ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]


# -- no silent None; outputs through exports and nested inputs ------------------------------------------------------

def test_computed_values_are_typed_or_unknown_never_none(no_none: Graph) -> None:
    ex = no_none.exports
    # a read answers the resource's state in both modes
    assert re.fullmatch(r"a[0-9a-f]{32}-\d+\.ap-southeast-3\.elb\.amazonaws\.com", ex["lb_host"])
    if no_none.preview:
        assert ex["url"] == UNKNOWN and ex["stdout"] == UNKNOWN
        return
    assert 30000 <= ex["node_port"] <= 32767 and 30000 <= ex["front_port"] <= 32767
    assert re.fullmatch(r"172\.20\.\d+\.\d+", ex["cluster_ip"])
    assert re.fullmatch(r"https://storage\.example/site/index-[0-9a-f]{7}", ex["url"])
    assert ex["object"]["name"] == ex["url"].rsplit("/", 1)[1]
    command = no_none.get("command:remote:Command", "check")
    assert isinstance(command.outputs["stdout"], str) and command.outputs["stdout"]
    assert ex["nested"]["by_name"]["setup"]["urn"].endswith("::setup")


@pytest.mark.parametrize("program", [DERIVED, REMOTE, NO_NONE, PROGRAMS / "zones_by_id"], ids=lambda p: p.name)
def test_the_graph_is_the_one_the_sdk_mocks_register(program: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "tests" / "mock_graph.py"), str(program), "dev"],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(program)])})
    assert done.returncode == 0, done.stderr[-2000:]
    mocked = {tuple(r) for r in json.loads(done.stdout.splitlines()[-1])["resources"]}
    for preview in (False, True):
        graph = _graph(program, preview)
        by_urn = {r.urn: r for r in graph.resources}
        ours = set()
        for r in graph.resources:
            if r.type == ROOT_STACK_TYPE or r.synthesized:
                continue
            parent = by_urn.get(r.parent or "")
            ours.add((r.type, r.name, parent.type if parent else "", parent.name if parent else "", r.custom))
        assert ours == mocked, (preview, ours ^ mocked)


# -- every declared output -------------------------------------------------------------------------------------------

def _types_of(packages: tuple[str, ...], python_path: str | None = None) -> list[str]:
    script = ("import importlib, json, sys\nfrom siaga.engine import declarations_probe as p\n"
              "pk = p.inventory()['packages']\n"
              f"names = {list(packages)!r}\n"
              "[importlib.import_module(pk[n]['module']) for n in names]\n"
              "from pulumi.runtime import rpc\n"
              "print(json.dumps(sorted({t for k, ms in rpc._RESOURCE_MODULES.items() if k.split(':')[0] in names "
              "for m in ms for t in (getattr(m, 'mod_info', None) or {}).get('classes', {})})))\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), python_path]))}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True,
                          timeout=300)
    return json.loads(done.stdout)


def _none_outputs(decl: Declarations, tokens: list[str]) -> list[tuple[str, str]]:
    from siaga.engine import outputs

    missing = []
    for token in tokens:
        declared = decl.outputs_of(token)
        assert declared is not None, token
        _, out = outputs.computed(token, "x", {}, "ap-southeast-3", declared=declared)
        for wire, desc in declared.items():
            computed = desc.get("input") is False or (desc.get("required") and wire == "name")
            if computed and desc.get("type") != "resource" and out.get(wire) is None:
                missing.append((token, wire))
    return missing


def test_every_output_a_provider_computes_has_a_value_in_every_sdk_we_ship(tmp_path: Path) -> None:
    tokens = _types_of(("aws", "kubernetes", "random"))
    assert len(tokens) > 2000
    assert _none_outputs(Declarations(python=None, cache_dir=tmp_path), tokens) == []


def test_every_output_of_a_provider_we_do_not_ship_has_a_value(tmp_path: Path) -> None:
    tokens = _types_of(("fakecloud", "command"), str(SDKS))
    assert "fakecloud:storage/bucketObject:BucketObject" in tokens and "command:remote:Command" in tokens
    decl = Declarations(python=sys.executable, cache_dir=tmp_path,
                        env={**os.environ, "PYTHONPATH": str(SDKS)})
    try:
        assert _none_outputs(decl, tokens) == []
    finally:
        decl.close()


# -- the availability policies judge the zones the subnets are in ----------------------------------------------------

@pytest.mark.parametrize("preview", [False, True], ids=["resolved", "unknowns"])
def test_one_nat_for_three_zones_is_caught_and_a_node_group_per_zone_passes(preview: bool) -> None:
    from siaga.analyzer import analyze

    graph = run_program(PROGRAMS / "zones_by_id", stack="dev", preview=preview)
    if not preview:
        assert graph.exports["zones"] == ["ap-southeast-3a", "ap-southeast-3b", "ap-southeast-3c"]
    result = analyze(graph, packs=[REPO / "policies"])
    assert not result.errors
    nat = sorted(f.name for f in result.findings if f.policy == "nat-gateway-per-az")
    assert nat == ["rt-apse3-az2", "rt-apse3-az3"]  # the az1 table uses the NAT in its own zone
    assert not [f for f in result.findings if f.policy == "eks-nodegroup-multi-az"]


# -- a program that fails for its own reason ---------------------------------------------------------------------------

@pytest.mark.parametrize(("cloud", "expected"), [
    ("gcp", "cannot import 'pulumi_gcp' and the program's declared dependencies (requirements.txt, pyproject.toml) "
            "do not name it"),
    ("azure", "cannot import 'pulumi_azure_native' although requirements.txt declares pulumi_azure_native"),
])
def test_a_missing_import_is_one_line_naming_it_and_the_interpreter(cloud: str, expected: str) -> None:
    done = CliRunner().invoke(app, ["preview", str(PROGRAMS / "missing_import"), "--stack", "dev", "--config",
                                    f"missingimport:cloud={cloud}"], env={"COLUMNS": "400"})
    assert done.exit_code == 2
    lines = [ln for ln in done.output.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert f"ModuleNotFoundError: No module named 'pulumi_{cloud.replace('azure', 'azure_native')}'" in lines[0]
    assert expected in lines[0] and f"{sys.executable} (the interpreter that ran the program)" in lines[0]


# -- the real packages (PyPI): awsx, pulumi-eks, pulumi-command ----------------------------------------------------

REAL = {"pulumi-awsx": "3.11.0", "pulumi-eks": "4.4.0", "pulumi-command": "1.2.1"}


@pytest.mark.slow
def test_real_remote_components_and_command_outputs_run_in_both_modes(tmp_path: Path) -> None:
    """The program's own virtualenv: pulumi-awsx, pulumi-eks and pulumi-command from PyPI (no dependencies: the
    shared environment's pulumi and pulumi-aws through a .pth file), as a user's `pulumi install` would have it."""
    import shutil
    import sysconfig

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "shared.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps",
                           *(f"{k}=={v}" for k, v in REAL.items())], capture_output=True, text=True, timeout=600,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"PyPI not reachable: {done.stderr.strip()[-200:]}")
    program = tmp_path / "program"
    shutil.copytree(PROGRAMS / "real_remote", program)
    (program / "Pulumi.yaml").write_text(f"name: realremote\nruntime:\n  name: python\n  options:\n"
                                         f"    virtualenv: {venv}\n", encoding="utf-8")
    resolved = run_program(program, stack="dev")
    ex = resolved.exports
    assert len(ex["nats"]) == 3 and ex["nat0"] == ex["nats"][0] and ex["nat0"].startswith("nat-0")
    assert re.fullmatch(r"ng-nodegroup-[0-9a-f]{7}", ex["ng"]) and ex["eks_cluster_name"]
    assert isinstance(ex["stdout"], str) and ex["stdout"]
    assert ex["kubeconfig"]["users"][0]["user"]["exec"]["command"] == "aws"  # an object, as pulumi-eks answers
    assert {r.type for r in resolved.resources if r.remote} == {"awsx:ec2:Vpc", "eks:index:Cluster",
                                                                 "eks:index:ManagedNodeGroup"}
    assert not any("$aws:" in r.urn for r in resolved.resources)  # the children stay unseen
    host = resolved.get("aws:ec2/instance:Instance", "bastion")
    assert host.inputs["subnetId"] == resolved.get("awsx:ec2:Vpc", "vpc").outputs["publicSubnetIds"][0]
    unknown = run_program(program, stack="dev", preview=True)
    assert unknown.exports["ng"] == UNKNOWN and unknown.exports["stdout"] == UNKNOWN
    assert len(unknown.exports["nats"]) == 3  # the list of NAT gateways is known, their ids are not
