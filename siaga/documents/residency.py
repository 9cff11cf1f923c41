"""Residency evidence: every cloud resource with its region, encryption key, backup coverage and data class."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from typing import Any

from siaga.documents.topology import Topology, prop
from siaga.engine.model import UNKNOWN, Resource, effective_region

GLOBAL_MODULES = {"iam", "route53", "cloudfront", "organizations", "wafregional", "waf", "shield"}
"""Global AWS services: their control-plane records are not stored in one region; they hold configuration only."""
DATA_TYPES = {
    "aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance",
    "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2", "aws:ebs/volume:Volume", "aws:ec2/volume:Volume",
    "aws:dynamodb/table:Table", "aws:efs/fileSystem:FileSystem", "aws:backup/vault:Vault",
    "aws:cloudwatch/logGroup:LogGroup", "aws:sqs/queue:Queue", "aws:secretsmanager/secret:Secret",
    "aws:secretsmanager/secretVersion:SecretVersion", "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "aws:cloudtrail/trail:Trail",
    "aws:autoscaling/group:Group", "aws:ec2/instance:Instance", "aws:eks/cluster:Cluster",
    "aws:kms/key:Key", "aws:ec2/flowLog:FlowLog", "aws:ecr/repository:Repository",
}
BACKUP_EXPECTED = {"aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:dynamodb/table:Table",
                   "aws:efs/fileSystem:FileSystem", "aws:ebs/volume:Volume", "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket"}


@dataclass
class Row:
    urn: str
    type: str
    name: str
    region: str
    scope: str  # regional | global
    holds: str  # data | configuration
    encryption: str
    backup: str


def _find_kms(value: Any) -> str | None:
    if isinstance(value, dict):
        for k, v in value.items():
            if "kms" in k.lower() and isinstance(v, str) and v and v != UNKNOWN:
                return v
        for v in value.values():
            found = _find_kms(v)
            if found:
                return found
    if isinstance(value, list):
        for v in value:
            found = _find_kms(v)
            if found:
                return found
    return None


def _key_label(value: str, topo: Topology) -> str:
    """A key reference as the program's KMS key (logical name, alias) rather than the offline stand-in ARN."""
    key = topo.index.get(value)
    if key is None or key.type != "aws:kms/key:Key":
        return value if value.startswith(("alias/", "aws/")) or ":alias/" in value else f"key {value}"
    aliases = [str(a.plain_inputs().get("name")) for a in topo.graph.of_type("aws:kms/alias:Alias")
               if a.plain_inputs().get("targetKeyId") in (key.id, prop(key, "arn"), prop(key, "keyId"))]
    return f"customer-managed KMS key {key.name}" + (f" ({', '.join(aliases)})" if aliases else "")


def _encryption(r: Resource, topo: Topology, sse: dict[str, str]) -> str:
    key = _find_kms(r.plain_inputs())
    if r.type == "aws:autoscaling/group:Group":  # instance volumes: the launch template's key
        lt = prop(r, "launchTemplate")
        tmpl = topo.index.get(str(lt.get("id"))) if isinstance(lt, dict) else None
        key = _find_kms(tmpl.plain_inputs()) if tmpl is not None else None
    if r.type == "aws:kms/key:Key":
        return "is a customer-managed key"
    if key:
        return _key_label(key, topo)
    if r.id in sse:
        return _key_label(sse[r.id], topo) if sse[r.id].startswith("arn:") else sse[r.id]
    if prop(r, "storageEncrypted") is True or prop(r, "encrypted") is True:
        return "AWS-managed key"
    return "none" if r.type in DATA_TYPES else "n/a"


def rows(topo: Topology) -> list[Row]:
    graph = topo.graph
    sse: dict[str, str] = {}
    for cfg in graph.resources:
        if "bucketServerSideEncryptionConfiguration" in cfg.type:
            bucket = str(prop(cfg, "bucket"))
            key = _find_kms(cfg.plain_inputs())
            sse[bucket] = key or "SSE-S3 (AWS-managed)"
    out: list[Row] = []
    for r in graph.resources:
        if not r.custom or r.is_provider or r.package != "aws":
            continue
        module = r.type.split(":")[1].split("/")[0]
        scope = "global" if module in GLOBAL_MODULES else "regional"
        holds = "data" if r.type in DATA_TYPES else "configuration"
        if r.type in BACKUP_EXPECTED:
            backup = "AWS Backup plan" if topo.covered_by_backup(r) else "NOT covered"
        elif r.type == "aws:backup/vault:Vault":
            backup = "is the backup vault"
        else:
            backup = "n/a"
        out.append(Row(urn=r.urn, type=r.type, name=r.name, region=effective_region(r, graph) or "UNSET",
                       scope=scope, holds=holds, encryption=_encryption(r, topo, sse), backup=backup))
    return sorted(out, key=lambda x: (x.holds != "data", x.type, x.name))


def to_csv(items: list[Row]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(Row.__dataclass_fields__))
    w.writeheader()
    for row in items:
        w.writerow(asdict(row))
    return buf.getvalue()


def to_json(items: list[Row], stack: str, allowed: list[str]) -> str:
    return json.dumps({"stack": stack, "allowedRegions": allowed, "resources": [asdict(r) for r in items]}, indent=2) + "\n"


def render_markdown(items: list[Row], stack: str, allowed: list[str]) -> str:
    data = [r for r in items if r.holds == "data"]
    outside = [r for r in items if r.scope == "regional" and r.region not in allowed]
    unencrypted = [r for r in data if r.encryption == "none"]
    uncovered = [r for r in items if r.backup == "NOT covered"]
    lines = [f"# Residency evidence - {stack}", "",
             f"Every cloud resource the stack declares, with its effective region (own `region`, else its provider's, "
             f"else `aws:region`). Allowed regions: {', '.join(allowed)}.", "",
             f"- {len(items)} resources, {len(data)} hold data, {len(items) - len(data)} configuration only",
             f"- regional resources outside the allowed regions: **{len(outside)}**"
             + (" (" + ", ".join(r.name for r in outside) + ")" if outside else ""),
             f"- data stores without encryption: **{len(unencrypted)}**", f"- data stores not covered by a backup plan: **{len(uncovered)}**",
             "- global services (IAM, Route 53, CloudFront) hold configuration only: names, policies, DNS records - no citizen data.", "",
             "| Resource | Type | Region | Scope | Holds | Encryption key | Backup |", "|---|---|---|---|---|---|---|"]
    for r in items:
        lines.append(f"| {r.name} | `{r.type}` | {r.region} | {r.scope} | {r.holds} | {r.encryption} | {r.backup} |")
    return "\n".join(lines) + "\n"
