"""Residency evidence: every cloud resource with its region, encryption key, backup coverage and data class.

Every resource is counted in-country only when its location is established and allowed: AWS resources by their
effective region, other clouds' (Google Cloud, Azure, aws-native) by the location rules the residency policies use
(``policies/siaga_rules/residency/locations.py``, loaded from the pack so both read one table). A location that
cannot be established is shown as such and never counted as in-country; AWS providers whose custom endpoints send
calls elsewhere are listed too.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from siaga.documents.l10n import lang_or_en
from siaga.documents.topology import Topology, prop
from siaga.engine.model import UNKNOWN, Graph, Resource, effective_region, plain
from siaga.i18n import N_, Language

LOCATIONS_FILE = Path(__file__).resolve().parents[2] / "policies" / "siaga_rules" / "residency" / "locations.py"
NOT_ESTABLISHED = N_("NOT ESTABLISHED")


class Label(str):
    """A row value in English (what the JSON evidence and ``to_csv`` in English hold) that remembers its msgid and
    params, so the Markdown and CSV in another language can write it from the same facts."""

    msgid: str
    params: dict[str, str]

    def __new__(cls, msgid: str, **params: str) -> Label:
        obj = super().__new__(cls, msgid.format(**params))
        obj.msgid, obj.params = msgid, params
        return obj

    def __deepcopy__(self, memo: dict[int, object]) -> Label:  # immutable: dataclasses.asdict copies rows
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (_label, (self.msgid, self.params))


def _label(msgid: str, params: dict[str, str]) -> Label:
    return Label(msgid, **params)


VALUES = frozenset({
    NOT_ESTABLISHED, N_("yes"), N_("no"), N_("not established"), N_("n/a"), N_("regional"), N_("global"),
    N_("data"), N_("configuration"), N_("is a customer-managed key"), N_("AWS-managed key"), N_("none"),
    N_("not assessed (other cloud)"), N_("AWS Backup plan"), N_("NOT covered"), N_("is the backup vault"),
    N_("delivery"), N_("on-prem"), N_("stack account"), N_("declared by the agency"), N_("none (global service)"),
    N_("managed by the data centre (outside AWS)"), N_("the agency's data centre (not an AWS account)"),
})
"""The fixed row values (in English in :class:`Row`): translated where a document shows them."""
HEADERS = {"urn": N_("URN"), "type": N_("Type"), "name": N_("Name"), "region": N_("Region"), "scope": N_("Scope"),
           "holds": N_("Holds"), "encryption": N_("Encryption key"), "backup": N_("Backup"),
           "inCountry": N_("In-country"), "account": N_("Account"), "deliversTo": N_("Delivers to / copy of")}
"""CSV column headers in another language (English keeps the field names, as the CSV always had)."""


def display(value: str, lang: Language) -> str:
    """A row value as ``lang`` writes it: English as it is; a :class:`Label` from its msgid; a fixed value from the
    catalog; anything else (regions, locations, key ARNs and aliases) as it is."""
    if lang.code == "en":
        return value
    if isinstance(value, _Joined):
        return ", ".join(display(part, lang) for part in value.parts)
    if isinstance(value, Label):
        return lang.gettext(value.msgid).format(**value.params)
    return lang.gettext(value) if value in VALUES else value


@cache
def locations() -> ModuleType:
    """The pack's location table (pure Python, no pulumi_policy), loaded by path: one source of truth."""
    spec = importlib.util.spec_from_file_location("siaga_pack_locations", LOCATIONS_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module

GLOBAL_MODULES = {"iam", "route53", "cloudfront", "organizations", "wafregional", "waf", "shield"}
"""Global AWS services: their control-plane records are not stored in one region; they hold configuration only."""
DATA_TYPES = {
    "aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance",
    "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2", "aws:ebs/volume:Volume", "aws:ec2/volume:Volume",
    "aws:dynamodb/table:Table", "aws:efs/fileSystem:FileSystem", "aws:backup/vault:Vault",
    "aws:cloudwatch/logGroup:LogGroup", "aws:sqs/queue:Queue", "aws:secretsmanager/secret:Secret",
    "aws:secretsmanager/secretVersion:SecretVersion", "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:autoscaling/group:Group", "aws:ec2/instance:Instance", "aws:eks/cluster:Cluster",
    "aws:kms/key:Key", "aws:ecr/repository:Repository",
}
DELIVERY_TYPES: dict[str, tuple[str, ...]] = {
    # resource type -> the inputs naming where it delivers; it stores nothing itself (the destination is the store)
    "aws:ec2/flowLog:FlowLog": ("logDestination", "logGroupName"),  # VPC flow logs publish to CloudWatch Logs / S3
    "aws:cloudtrail/trail:Trail": ("s3BucketName", "cloudWatchLogsGroupArn"),  # a trail delivers log files to S3
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": ("logDestinationConfigs",),
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": ("extendedS3Configuration", "s3Configuration"),
}
"""Delivery resources: a flow log, a trail, a WAF logging configuration, a Firehose stream send records to a store
(log group, bucket) and keep none themselves (Firehose buffers in transit only): listed as deliveries to that store,
never as data stores (VPC flow logs: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html; CloudTrail:
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/how-cloudtrail-works.html; WAF logging:
https://docs.aws.amazon.com/waf/latest/developerguide/logging.html)."""
BACKUP_EXPECTED = {"aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:dynamodb/table:Table",
                   "aws:efs/fileSystem:FileSystem", "aws:ebs/volume:Volume", "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket"}


@dataclass
class Row:
    urn: str
    type: str
    name: str
    region: str  # the effective region or location, or NOT ESTABLISHED
    scope: str  # regional | global
    holds: str  # data | configuration
    encryption: str
    backup: str
    inCountry: str = "yes"  # yes | no | not established | n/a (global services) | declared by the agency (on-prem)
    account: str = "stack account"
    """The AWS account the resource is in: the stack's own, or the account of the role its provider assumes."""
    deliversTo: str = ""
    """A delivery's destination stores; a copy of citizen data: what it copies and how."""


def other_cloud_location(r: Resource, graph: Graph) -> str | None:
    """A non-AWS resource's location: its own location inputs, else its provider's (the stack's config for a
    default provider); None when it cannot be established."""
    loc = locations()
    package = r.package
    own = loc.first_location(plain(r.inputs), loc.LOCATION_KEYS[package])
    if own is not None:
        return str(own[1])
    prov = graph.by_urn().get(r.provider_urn or "")
    inputs = plain(prov.inputs) if prov is not None else {
        k.split(":", 1)[1]: v for k, v in graph.config.items() if k.startswith(package + ":")}
    found = loc.first_location(inputs, loc.PROVIDER_KEYS[package])
    return str(found[1]) if found is not None else None


def outside_endpoints(graph: Graph, allowed: list[str]) -> list[tuple[str, str, str]]:
    """(provider, service, URL) for every AWS provider endpoint outside ``allowed`` or on an unknown host."""
    out = []
    for p in graph.resources:
        if p.type != "pulumi:providers:aws":
            continue
        value = plain(p.inputs.get("endpoints"))
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = [{"endpoints": value}]
        for block in value if isinstance(value, list) else [value]:
            for service, url in (block or {}).items() if isinstance(block, dict) else []:
                where, _ = locations().endpoint_region(str(url))
                if where is None or where not in allowed:
                    out.append((p.name, service, str(url)))
    return out


def _find_kms(value: Any) -> str | None:
    if isinstance(value, dict):
        for k, v in value.items():
            # kmsKeyId/kmsKeyArn..., and an EKS cluster's encryptionConfig.provider.keyArn (the KMS key that
            # envelope-encrypts its Kubernetes secrets)
            if ("kms" in k.lower() or k == "keyArn") and isinstance(v, str) and v and v != UNKNOWN:
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
        return value if value.startswith(("alias/", "aws/")) or ":alias/" in value else Label(N_("key {key}"), key=value)
    aliases = [str(a.plain_inputs().get("name")) for a in topo.graph.of_type("aws:kms/alias:Alias")
               if a.plain_inputs().get("targetKeyId") in (key.id, prop(key, "arn"), prop(key, "keyId"))]
    if aliases:
        return Label(N_("customer-managed KMS key {name} ({aliases})"), name=key.name, aliases=", ".join(aliases))
    return Label(N_("customer-managed KMS key {name}"), name=key.name)


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


def account_of(r: Resource, graph: Graph) -> str:
    """The account of ``r``: the account in its provider's ``assumeRole`` role ARN (``arn:aws:iam::ACCOUNT:role/..``)
    when the provider assumes one, else the stack's own account (the credentials ``pulumi up`` runs with)."""
    prov = graph.by_urn().get(r.provider_urn or "")
    if prov is None:
        return "stack account"
    value = plain(prov.inputs.get("assumeRole") or prov.inputs.get("assumeRoles"))
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    for item in value if isinstance(value, list) else [value]:
        arn = item.get("roleArn") if isinstance(item, dict) else None
        parts = arn.split(":") if isinstance(arn, str) else []
        if len(parts) >= 6 and parts[0] == "arn" and parts[4]:
            return Label(N_("account {account} (provider {provider} assumes {role})"), account=parts[4],
                         provider=prov.name, role=parts[5])
    return "stack account"


def _destination(value: str, topo: Topology) -> str:
    """A delivery destination as the stack names it: the logical name of the log group/bucket it is, else the name in
    the ARN (never the offline stand-in ARN itself)."""
    text = value[:-2] if value.endswith(":*") else value
    found = topo.index.get(text)
    if found is None and ":log-group:" in text:
        group = text.split(":log-group:", 1)[1]
        found = next((g for g in topo.graph.of_type("aws:cloudwatch/logGroup:LogGroup")
                      if prop(g, "name") == group), None)
        if found is None:
            return Label(N_("log group {name}"), name=group)
    if found is None:
        found = next((b for b in topo.graph.of_type("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
                      if text in (prop(b, "bucket"), prop(b, "arn"))), None)
    if found is not None:
        return Label(N_("{type} {name}"), type=found.type.split(":")[-1], name=found.name)
    return text.rsplit(":", 1)[-1] if text.startswith("arn:") else text


def _deliveries(r: Resource, topo: Topology) -> str:
    out: list[str] = []
    for key in DELIVERY_TYPES[r.type]:
        value = prop(r, key)
        if isinstance(value, dict):
            value = value.get("bucketArn")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item and item != UNKNOWN:
                label = _destination(item, topo)
                if label not in out:
                    out.append(label)
    return _join(out) if out else ""


class _Joined(str):
    """Several row values joined, each written in the document's language by :func:`display`."""

    parts: tuple[str, ...]

    def __new__(cls, parts: list[str]) -> _Joined:
        obj = super().__new__(cls, ", ".join(parts))
        obj.parts = tuple(parts)
        return obj

    def __deepcopy__(self, memo: dict[int, object]) -> _Joined:
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (_Joined, (list(self.parts),))


def _join(parts: list[str]) -> str:
    return _Joined(parts)


def standby_rows(topo: Topology) -> list[Row]:
    """The copy of citizen data outside AWS: each DMS full load + CDC task's target, the standby database in the
    agency's data centre (its address as the target endpoint records it)."""
    out: list[Row] = []
    source = topo.databases[0].identifier if topo.databases else "?"
    for rep in topo.replications:
        out.append(Row(
            urn=rep.task.urn, type="on-prem PostgreSQL (DMS target)",
            name=Label(N_("standby database at {server}"), server=rep.target_server or "?"),
            region=Label(N_("on-prem standby site, network {networks}"), networks=", ".join(
                topo.config.standby.networks) if topo.config and topo.config.standby.networks else "?"),
            scope="on-prem", holds="data", encryption="managed by the data centre (outside AWS)", backup="n/a",
            inCountry="declared by the agency", account="the agency's data centre (not an AWS account)",
            deliversTo=Label(N_("copy of {db}: full load + CDC by DMS task {task}"), db=source, task=rep.task_id)))
    return out


def rows(topo: Topology) -> list[Row]:
    graph = topo.graph
    sse: dict[str, str] = {}
    for cfg in graph.resources:
        if "bucketServerSideEncryptionConfiguration" in cfg.type:
            bucket = str(prop(cfg, "bucket"))
            key = _find_kms(cfg.plain_inputs())
            sse[bucket] = key or Label(N_("{sse} (AWS-managed)"), sse="SSE-S3")
    allowed = list(topo.config.allowedRegions) if topo.config else [str(graph.config.get("aws:region") or "ap-southeast-3")]
    others = locations().LOCATION_KEYS
    # a copy action names its destination vault by ARN (in the destination's account): matched by the vault's name
    copies = {c.rsplit(":backup-vault:", 1)[-1] for rule in topo.backup_rules for c in rule.copies_to}
    out: list[Row] = []
    for r in graph.resources:
        if not r.custom or r.is_provider or (r.package != "aws" and r.package not in others):
            continue
        if r.package != "aws":
            where = other_cloud_location(r, graph)
            ok = where is not None and locations().in_allowed(where, locations().DEFAULT_ALLOWED_LOCATIONS[r.package])
            out.append(Row(urn=r.urn, type=r.type, name=r.name, region=where or NOT_ESTABLISHED, scope="regional",
                           holds="data", encryption="not assessed (other cloud)", backup="n/a",
                           inCountry="yes" if ok else "not established" if where is None else "no", account="n/a"))
            continue
        module = r.type.split(":")[1].split("/")[0]
        scope = "global" if module in GLOBAL_MODULES else "regional"
        holds = "data" if r.type in DATA_TYPES else "delivery" if r.type in DELIVERY_TYPES else "configuration"
        if r.type in BACKUP_EXPECTED:
            backup = "AWS Backup plan" if topo.covered_by_backup(r) else "NOT covered"
        elif r.type == "aws:backup/vault:Vault":
            backup = "is the backup vault"
        else:
            backup = "n/a"
        region = effective_region(r, graph)
        in_country = "n/a" if scope == "global" else "not established" if not region else (
            "yes" if region in allowed else "no")
        encryption = _encryption(r, topo, sse)
        delivers = ""
        if holds == "delivery":
            delivers = _deliveries(r, topo)
            encryption = "n/a" if encryption == "none" else encryption  # the destination's key applies
        elif r.type == "aws:backup/vault:Vault" and prop(r, "name") in copies:
            delivers = Label(N_("copies of the recovery points (backup plan copy action)"))
        out.append(Row(urn=r.urn, type=r.type, name=r.name,
                       region="none (global service)" if scope == "global" else region or NOT_ESTABLISHED,
                       scope=scope, holds=holds, encryption=encryption, backup=backup, inCountry=in_country,
                       account=account_of(r, graph), deliversTo=delivers))
    out += standby_rows(topo)
    order = {"data": 0, "delivery": 1, "configuration": 2}
    return sorted(out, key=lambda x: (order.get(x.holds, 3), x.type, x.name))


def to_csv(items: list[Row], lang: Language | None = None) -> str:
    """The rows as CSV; in a language other than English the headers and the fixed values are translated (the JSON
    evidence keeps the English keys and values for machines)."""
    lang = lang_or_en(lang)
    buf = io.StringIO()
    fields = list(Row.__dataclass_fields__)
    w = csv.writer(buf, lineterminator="\r\n")  # csv.DictWriter's default, as the file always had
    w.writerow(fields if lang.code == "en" else [lang.gettext(HEADERS[f]) for f in fields])
    for row in items:
        w.writerow([display(getattr(row, f), lang) if f not in ("urn", "type", "name") or isinstance(
            getattr(row, f), Label) else getattr(row, f) for f in fields])
    return buf.getvalue()


def to_json(items: list[Row], stack: str, allowed: list[str], endpoints: list[tuple[str, str, str]] | None = None
            ) -> str:
    return json.dumps({"stack": stack, "allowedRegions": allowed,
                       "outsideAllowedRegions": sum(r.inCountry == "no" for r in items),
                       "locationNotEstablished": sum(r.inCountry == "not established" for r in items),
                       "endpointsOutside": [{"provider": p, "service": s, "url": u} for p, s, u in endpoints or []],
                       "resources": [asdict(r) for r in items]}, indent=2) + "\n"


def render_markdown(items: list[Row], stack: str, allowed: list[str],
                    endpoints: list[tuple[str, str, str]] | None = None, lang: Language | None = None,
                    control: list[str] | None = None) -> str:
    """The evidence as Markdown; every count in the summary is a count of the table's rows (tests recount them).
    ``control``: the document control block (siaga/documents/control.py) under the title."""
    lang = lang_or_en(lang)
    _ = lang.gettext
    data = [r for r in items if r.holds == "data"]
    deliveries = [r for r in items if r.holds == "delivery"]
    outside = [r for r in items if r.inCountry == "no"]
    unplaced = [r for r in items if r.inCountry == "not established"]
    declared = [r for r in items if r.inCountry == "declared by the agency"]
    endpoints = endpoints or []
    unencrypted = [r for r in data if r.encryption == "none"]
    uncovered = [r for r in items if r.backup == "NOT covered"]
    accounts = sorted({display(r.account, lang) for r in items if r.account != "n/a"})  # n/a: another cloud

    def names(found: list[Row]) -> str:
        return " (" + ", ".join(display(r.name, lang) for r in found) + ")" if found else ""

    header = [N_("Resource"), N_("Type"), N_("Region"), N_("In-country"), N_("Scope"), N_("Holds"),
              N_("Encryption key"), N_("Backup"), N_("Account"), N_("Delivers to / copy of")]
    lines = [_("# Residency evidence - {stack}").format(stack=stack), "", *(control or []),
             _("Every cloud resource the stack declares, with its effective region (own {region}, else its "
               "provider's, else {default}), and every copy of the data outside AWS that the stack makes. Allowed "
               "regions: {allowed}.").format(region="`region`", default="`aws:region`", allowed=", ".join(allowed)), "",
             _("- {count} rows: {data} hold data, {delivery} deliver data to a store (they keep none themselves), "
               "{config} configuration only").format(count=len(items), data=len(data), delivery=len(deliveries),
                                                    config=len(items) - len(data) - len(deliveries)),
             _("- accounts: {accounts}").format(accounts="; ".join(accounts) or _("none")),
             _("- regional resources outside the allowed regions: **{count}**").format(count=len(outside))
             + names(outside),
             _("- resources whose location cannot be established (not counted as in-country): **{count}**").format(
                 count=len(unplaced)) + names(unplaced),
             _("- copies outside AWS whose site the agency declares in-country (not established by the graph): "
               "**{count}**").format(count=len(declared)) + names(declared),
             _("- provider endpoints sending calls outside the allowed regions: **{count}**").format(
                 count=len(endpoints))
             + (" (" + ", ".join(f"{p} {s} -> {u}" for p, s, u in endpoints) + ")" if endpoints else ""),
             _("- data stores without encryption: **{count}**").format(count=len(unencrypted)) + names(unencrypted),
             _("- data stores not covered by a backup plan: **{count}**").format(count=len(uncovered)),
             _("- global services ({services}) hold configuration only: names, policies, DNS records - no citizen "
               "data; they have no region.").format(services="IAM, Route 53, CloudFront"), "",
             "| " + " | ".join(_(h) for h in header) + " |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in items:
        lines.append(f"| {display(r.name, lang)} | `{r.type}` | {display(r.region, lang)} "
                     f"| {display(r.inCountry, lang)} | {display(r.scope, lang)} | {display(r.holds, lang)} "
                     f"| {display(r.encryption, lang)} | {display(r.backup, lang)} | {display(r.account, lang)} "
                     f"| {display(r.deliversTo, lang)} |")
    return "\n".join(lines) + "\n"
