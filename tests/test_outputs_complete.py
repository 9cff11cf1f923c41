"""Complete outputs in the resolved mode (#15): every output a type declares and its provider computes gets a
plausible value of its declared type, read from the SDK classes of the interpreter that runs the program."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from siaga.engine import outputs, run_program
from siaga.engine.declarations import Declarations
from siaga.engine.invokes import ACCOUNT_ID

PROGRAM = Path(__file__).parent / "fixtures" / "programs" / "computed_outputs"
REGION = "ap-southeast-3"


@pytest.fixture(scope="module")
def graph():
    return run_program(PROGRAM, stack="dev")


@pytest.fixture(scope="module")
def decl(tmp_path_factory: pytest.TempPathFactory) -> Declarations:
    return Declarations(python=None, cache_dir=tmp_path_factory.mktemp("cache"))


def test_every_apply_on_a_computed_output_runs(graph) -> None:
    ex = graph.exports
    api_id = graph.get("aws:apigateway/restApi:RestApi", "api").id
    assert ex["source_arn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/*"
    assert ex["stage_arn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/prod/GET/items"
    assert ex["stage_url"] == f"https://{api_id}.execute-api.{REGION}.amazonaws.com/prod/items"
    fn = graph.get("aws:lambda/function:Function", "handler")
    assert fn.outputs["arn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{fn.outputs['name']}"
    assert ex["invoke_arn"] == f"2015-03-31/functions/{fn.outputs['arn']}/invocations"
    # the integration was given the function's invoke ARN, as API Gateway takes it
    integration = graph.get("aws:apigateway/integration:Integration", "proxy")
    assert integration.inputs["uri"] == fn.outputs["invokeArn"]
    assert re.fullmatch(rf"https://[0-9a-f]{{26}}\.appsync-api\.{REGION}\.amazonaws\.com/graphql", ex["graphql"])
    assert re.fullmatch(r"https://d[0-9a-f]{13}\.cloudfront\.net", ex["cdn"])
    assert ex["cdn_zone"] == "Z2FDTNDATAQYW2" and ex["cdn_status"] == "deployed"
    assert ex["queue_url"].startswith(f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/jobs-")
    assert ex["repo_url"].startswith(f"{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/app-")
    assert ex["db_endpoint"].endswith(f".{REGION}.rds.amazonaws.com")
    assert ex["db_secret"].startswith(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:rds!db-")
    assert ex["ecs_cluster"] and ex["ecs_service"]
    assert ex["cert_data"] == "LS0tLS1CRU"
    assert not graph.warnings


def test_kubernetes_status_as_the_type_defines_it(graph) -> None:
    ex = graph.exports
    assert re.fullmatch(rf"a[0-9a-f]{{32}}-\d+\.{REGION}\.elb\.amazonaws\.com", ex["lb_host"])
    # a ClusterIP service has no load balancer: an empty loadBalancer, as the API server reports it
    assert graph.get("kubernetes:core/v1:Service", "internal").outputs["status"] == {"loadBalancer": {}}
    assert ex.get("internal_ingress") is None
    assert ex["ready"] == 3  # readyReplicas = spec.replicas
    status = graph.get("kubernetes:apps/v1:Deployment", "web").outputs["status"]
    assert status["availableReplicas"] == 3 and status["unavailableReplicas"] == 0
    assert status["conditions"][0]["status"] == "True"
    assert re.fullmatch(r"ingress-[0-9a-f]{7}/ingress ingress-nginx-4\.10\.0 deployed", ex["release"])
    release = graph.get("kubernetes:helm.sh/v3:Release", "ingress").outputs["status"]
    assert release["revision"] == 1


def test_table_values_are_kept(graph) -> None:
    """What the policies rely on (name-based ARNs, prefixed ids) is unchanged by the declarations."""
    queue = graph.get("aws:sqs/queue:Queue", "jobs")
    assert queue.outputs["arn"] == f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue.outputs['name']}"
    db = graph.get("aws:rds/instance:Instance", "db")
    assert db.outputs["port"] == 5432 and db.outputs["resourceId"].startswith("db-")


def test_preview_mode_keeps_outputs_unknown() -> None:
    g = run_program(PROGRAM, stack="dev", preview=True)
    api = g.get("aws:apigateway/restApi:RestApi", "api")
    assert "executionArn" not in api.outputs and "rootResourceId" not in api.outputs
    assert "status" not in g.get("kubernetes:core/v1:Service", "web").outputs
    assert "source_arn" not in g.exports or g.exports["source_arn"] in (None, "04da6b54-80e4-46f7-96ec-b56ff0331ba9")


def test_declared_outputs_from_the_sdk(decl: Declarations) -> None:
    api = decl.outputs_of("aws:apigateway/restApi:RestApi")
    assert api is not None
    assert api["executionArn"] == {"required": True, "type": "string", "input": False}
    assert api["name"]["input"] is True  # a constructor argument: the program's to set
    uris = decl.outputs_of("aws:appsync/graphQLApi:GraphQLApi")["uris"]
    assert uris["type"] == "object" and uris["additionalProperties"]["type"] == "string"
    svc = decl.outputs_of("kubernetes:core/v1:Service")["status"]
    ingress = svc["properties"]["loadBalancer"]["properties"]["ingress"]
    assert ingress["type"] == "array" and ingress["items"]["properties"]["hostname"]["type"] == "string"
    assert decl.outputs_of("kubernetes:helm.sh/v3:Release")["status"]["properties"]["revision"]["type"] == "integer"
    assert decl.outputs_of("aws:nosuch/thing:Thing") is None
    assert decl.outputs_of("pulumi:providers:aws") is None
    assert decl.outputs_of("siaga:aws:Database") is None  # a local component: no provider package
    json.dumps(api)  # JSON-able, as the engine sends it across


def test_nested_output_objects_are_filled(decl: Declarations) -> None:
    t = "aws:cloudfront/distribution:Distribution"
    _, out = outputs.computed(t, "cdn", {"enabled": True}, REGION, declared=decl.outputs_of(t))
    signer = out["trustedSigners"][0]
    assert isinstance(signer["enabled"], bool) and isinstance(signer["items"][0]["keyPairIds"][0], str)
    assert out["inProgressValidationBatches"] == 0 and out["lastModifiedTime"].endswith("Z")
    assert out["etag"] and out["callerReference"]


def test_what_the_program_can_set_is_not_invented(decl: Declarations) -> None:
    """Inventing an encryption key or a public address the program did not ask for would change what the
    policies judge: constructor arguments are left as the program gave them."""
    t = "aws:rds/instance:Instance"
    _, out = outputs.computed(t, "db", {"engine": "postgres"}, REGION, declared=decl.outputs_of(t))
    for key in ("storageEncrypted", "kmsKeyId", "publiclyAccessible", "backupRetentionPeriod", "multiAz"):
        assert key not in out, key
    assert out["hostedZoneId"].startswith("Z") and out["latestRestorableTime"]
    t = "aws:ec2/instance:Instance"
    _, out = outputs.computed(t, "vm", {"ami": "ami-1"}, REGION, declared=decl.outputs_of(t))
    assert out["publicIp"] == "" and out["publicDns"] == ""
    # chosen by EC2 when not given, and no policy judges them
    assert re.fullmatch(r"10\.0\.\d+\.\d+", out["privateIp"]) and out["availabilityZone"] == f"{REGION}a"
    assert "subnetId" not in out and "vpcSecurityGroupIds" not in out


def test_every_declared_computed_output_gets_a_value_of_its_type(decl: Declarations) -> None:
    kinds = {"string": str, "integer": int, "number": float, "boolean": bool, "array": list, "object": dict}
    for t in ("aws:apigateway/restApi:RestApi", "aws:lambda/function:Function", "aws:ecs/service:Service",
              "aws:rds/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup",
              "aws:opensearch/domain:Domain", "kubernetes:apps/v1:StatefulSet", "kubernetes:core/v1:Pod"):
        declared = decl.outputs_of(t)
        assert declared, t
        _, out = outputs.computed(t, "x", {}, REGION, declared=declared)
        for wire, desc in declared.items():
            if desc["input"] is False:
                assert out.get(wire) is not None, (t, wire)
                if desc["type"] in kinds:
                    assert isinstance(out[wire], kinds[desc["type"]]), (t, wire, out[wire])


def test_deterministic(decl: Declarations) -> None:
    t = "aws:lambda/function:Function"
    assert outputs.computed(t, "f", {}, REGION, decl.outputs_of(t)) == outputs.computed(t, "f", {}, REGION,
                                                                                        decl.outputs_of(t))


# -- another interpreter: a provider package siaga does not have -------------------------------------------------

FAKE_INIT = '''
import pulumi

print("pulumi_siagafake: imported")  # an SDK that talks on stdout must not confuse the probe
from pulumi.runtime import ResourceModule, register_resource_module


class Module(ResourceModule):
    """As generated SDKs register their modules (_utilities.register)."""

    def __init__(self, mod_info):
        super().__init__()
        self.mod_info = mod_info

    def version(self):
        return None

    def construct(self, name, typ, urn):
        import pulumi_siagafake.storage as storage
        return storage.Vault(name, pulumi.ResourceOptions(urn=urn))


register_resource_module("siagafake", "storage/vault", Module(
    {"fqn": "pulumi_siagafake.storage", "classes": {"siagafake:storage/vault:Vault": "Vault"}}))
'''

FAKE_STORAGE = '''
from typing import Optional, Sequence

import pulumi
from . import outputs


class Vault(pulumi.CustomResource):
    def __init__(__self__, resource_name, opts=None, size=None):
        __self__._internal_init(resource_name, opts, size=size)

    def _internal_init(__self__, resource_name, opts=None, size=None, __props__=None):
        super().__init__("siagafake:storage/vault:Vault", resource_name, {"size": size, "vaultArn": None}, opts)

    @property
    @pulumi.getter
    def size(self) -> pulumi.Output[Optional[int]]:
        return pulumi.get(self, "size")

    @property
    @pulumi.getter(name="vaultArn")
    def vault_arn(self) -> pulumi.Output[str]:
        return pulumi.get(self, "vault_arn")

    @property
    @pulumi.getter(name="endpointUrl")
    def endpoint_url(self) -> pulumi.Output[str]:
        return pulumi.get(self, "endpoint_url")

    @property
    @pulumi.getter
    def status(self) -> pulumi.Output['outputs.VaultStatus']:
        return pulumi.get(self, "status")

    @property
    @pulumi.getter
    def replica(self) -> pulumi.Output['Vault']:
        """A child resource, as multi-language components (awsx, eks) expose theirs."""
        return pulumi.get(self, "replica")
'''

FAKE_OUTPUTS = '''
from typing import Sequence

import pulumi


@pulumi.output_type
class VaultStatus(dict):
    def __init__(__self__, *, ready_replicas: int, hosts: Sequence[str]):
        pulumi.set(__self__, "ready_replicas", ready_replicas)
        pulumi.set(__self__, "hosts", hosts)

    @property
    @pulumi.getter(name="readyReplicas")
    def ready_replicas(self) -> int:
        return pulumi.get(self, "ready_replicas")

    @property
    @pulumi.getter
    def hosts(self) -> Sequence[str]:
        return pulumi.get(self, "hosts")
'''


def _venv(root: Path, fake: bool = True, sdk: bool = True) -> Path:
    """A program's own virtualenv: its own site-packages with a provider package siaga does not have; the
    pulumi SDK comes from siaga's environment through a .pth file (no network, no pip)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    if sdk:
        (site / "sdk.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    if fake:
        pkg = site / "pulumi_siagafake"
        (pkg / "storage").mkdir(parents=True)
        (pkg / "pulumi-plugin.json").write_text(json.dumps({"resource": True, "name": "siagafake",
                                                            "version": "0.3.0"}))
        (pkg / "__init__.py").write_text(textwrap.dedent(FAKE_INIT))
        (pkg / "storage" / "__init__.py").write_text(textwrap.dedent(FAKE_STORAGE))
        (pkg / "storage" / "outputs.py").write_text(textwrap.dedent(FAKE_OUTPUTS))
    return python


def test_declarations_come_from_the_programs_interpreter(tmp_path: Path) -> None:
    python = _venv(tmp_path / "venv")
    assert Declarations(python=None, cache_dir=tmp_path / "c0").outputs_of("siagafake:storage/vault:Vault") is None
    decl = Declarations(python=str(python), cache_dir=tmp_path / "cache")
    vault = decl.outputs_of("siagafake:storage/vault:Vault")
    decl.close()
    assert vault is not None and not decl.warnings
    assert vault["size"]["input"] is True and vault["vaultArn"]["input"] is False
    status = vault["status"]
    assert status["type"] == "object" and status["properties"]["readyReplicas"]["type"] == "integer"
    assert status["properties"]["hosts"]["items"]["type"] == "string"
    rid, out = outputs.computed("siagafake:storage/vault:Vault", "v", {"size": 3}, REGION, declared=vault)
    assert out["size"] == 3 and isinstance(out["vaultArn"], str) and out["vaultArn"]
    assert out["endpointUrl"].startswith("https://v-") and out["status"]["readyReplicas"] == 1
    assert isinstance(out["status"]["hosts"][0], str)
    # a resource object cannot be stood for by a value: left to the engine, not a string in its place
    assert vault["replica"]["type"] == "resource" and "replica" not in out
    assert decl.stats["probe_starts"] == 1


def test_second_run_is_served_from_the_cache(tmp_path: Path) -> None:
    python = _venv(tmp_path / "venv")
    first = Declarations(python=str(python), cache_dir=tmp_path / "cache")
    answer = first.outputs_of("siagafake:storage/vault:Vault")
    first.outputs_of("aws:apigateway/restApi:RestApi")
    first.close()
    assert first.stats == {"cached": 0, "probed": 2, "probe_starts": 1}
    files = sorted(p.name for p in (tmp_path / "cache" / "declarations").rglob("*.json"))
    assert "siagafake-0.3.0.json" in files and any(f.startswith("inventory-") for f in files)

    second = Declarations(python=str(python), cache_dir=tmp_path / "cache")
    assert second.outputs_of("siagafake:storage/vault:Vault") == answer
    assert second.outputs_of("aws:apigateway/restApi:RestApi")["executionArn"]["type"] == "string"
    second.close()
    assert second.stats == {"cached": 2, "probed": 0, "probe_starts": 0}  # no process started at all

    # a package installed in the program's environment changes its site-packages: the inventory is read again
    site = next((tmp_path / "venv" / "lib").glob("python*/site-packages"))
    (site / "another").mkdir()
    os.utime(site, ns=(site.stat().st_atime_ns, site.stat().st_mtime_ns + 1_000_000_000))
    third = Declarations(python=str(python), cache_dir=tmp_path / "cache")
    assert third.outputs_of("siagafake:storage/vault:Vault") == answer
    third.close()
    assert third.stats == {"cached": 1, "probed": 0, "probe_starts": 1}


def test_a_probe_that_fails_is_one_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'no python here' >&2\nexit 3\n")
    broken.chmod(0o755)
    decl = Declarations(python=str(broken), cache_dir=tmp_path / "cache")
    assert decl.outputs_of("aws:s3/bucketV2:BucketV2") is None
    assert decl.outputs_of("aws:sqs/queue:Queue") is None
    decl.close()
    assert len(decl.warnings) == 1 and "exited with status 3" in decl.warnings[0]
    assert "no python here" in decl.warnings[0]
    # today's outputs without declarations
    rid, out = outputs.computed("aws:sqs/queue:Queue", "q", {}, REGION, declared=None)
    assert out["arn"].startswith(f"arn:aws:sqs:{REGION}:")
    assert capsys.readouterr().err.count("warning") == 1


def test_a_type_whose_class_cannot_be_read_is_a_warning(tmp_path: Path) -> None:
    python = _venv(tmp_path / "venv")
    site = next((tmp_path / "venv" / "lib").glob("python*/site-packages"))
    (site / "pulumi_siagafake" / "storage" / "__init__.py").write_text("raise RuntimeError('broken SDK')\n")
    decl = Declarations(python=str(python), cache_dir=tmp_path / "cache")
    assert decl.outputs_of("siagafake:storage/vault:Vault") is None
    assert decl.outputs_of("aws:sqs/queue:Queue")["url"]["type"] == "string"  # the probe still answers
    decl.close()
    assert len(decl.warnings) == 1 and "broken SDK" in decl.warnings[0]


def test_an_interpreter_without_the_sdk_finds_no_declarations(tmp_path: Path) -> None:
    python = _venv(tmp_path / "venv", fake=False, sdk=False)
    decl = Declarations(python=str(python), cache_dir=tmp_path / "cache")
    assert decl.outputs_of("aws:sqs/queue:Queue") is None
    decl.close()
    assert not decl.warnings  # no provider package there: nothing declared, nothing failed


def test_outputs_derived_from_what_the_program_named(decl: Declarations) -> None:
    def run(t: str, inputs: dict) -> dict:
        return outputs.computed(t, "r", inputs, REGION, declared=decl.outputs_of(t))[1]

    policy = run("aws:backup/vaultPolicy:VaultPolicy", {"backupVaultName": "vault-1", "policy": "{}"})
    assert policy["backupVaultArn"] == f"arn:aws:backup:{REGION}:{ACCOUNT_ID}:backup-vault:vault-1"
    assert run("aws:cloudtrail/trail:Trail", {"s3BucketName": "b"})["snsTopicArn"] == ""  # no topic named
    trail = run("aws:cloudtrail/trail:Trail", {"s3BucketName": "b", "snsTopicName": "t"})
    assert trail["snsTopicArn"] == f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:t" and trail["homeRegion"] == REGION
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    alias = run("aws:kms/alias:Alias", {"name": "alias/data", "targetKeyId": key_id})
    assert alias["targetKeyArn"] == f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{key_id}"
    dms = run("aws:dms/replicationInstance:ReplicationInstance", {"replicationInstanceClass": "dms.t3.micro"})
    assert dms["replicationInstancePublicIps"] == [] and dms["replicationInstancePrivateIps"][0].startswith("10.")
    public = run("aws:dms/replicationInstance:ReplicationInstance", {"publiclyAccessible": True})
    assert public["replicationInstancePublicIps"][0].startswith("108.136.")
    vpc = run("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"})
    assert vpc["defaultSecurityGroupId"].startswith("sg-0") and vpc["mainRouteTableId"].startswith("rtb-0")
    assert vpc["ownerId"] == ACCOUNT_ID


def test_the_runner_reads_and_caches_the_declarations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's call site: the program's registrations are answered from the declarations, which are cached
    where SIAGA_CACHE_DIR says, and a second run gives the same graph from the cache."""
    monkeypatch.setenv("SIAGA_CACHE_DIR", str(tmp_path))
    first = run_program(PROGRAM, stack="dev")
    cached = json.loads(next((tmp_path / "declarations").rglob("aws-*.json")).read_text())
    assert cached["aws:apigateway/restApi:RestApi"]["executionArn"]["type"] == "string"
    assert "kubernetes:core/v1:Service" in json.loads(
        next((tmp_path / "declarations").rglob("kubernetes-*.json")).read_text())
    second = run_program(PROGRAM, stack="dev")
    assert second.exports == first.exports
