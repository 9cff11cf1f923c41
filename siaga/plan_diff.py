"""What ``pulumi up`` would do to the deployed stack, from two graphs (the base revision's, or the deployed state,
and this revision's), as ``pulumi preview`` groups it: create, update, replace, delete. Data loss first: a stateful
or protected resource that would be deleted or replaced is a mandatory finding, with the alias that keeps it.

How the engine matches a new resource to an old one (pulumi/pulumi ``pkg/resource/deploy/step_generator.go``,
``generateSteps``): by its URN first, then by its aliases, in order. ``collapseAliasToUrn``: an alias spec's
missing name/type/project/stack default to the resource's own, a missing parent to the resource's parent (the
parent's *matched old URN* when the parent itself was found by alias), ``noParent`` or the root stack as parent
mean none. ``generateAliases`` also multiplies out the parent's matched alias for every child
(``inheritedChildAlias``: same type, the name's parent-name prefix swapped for the old parent's name). A URN is
``urn:pulumi:<stack>::<project>::<parent type$>type::name`` (``sdk/go/common/resource/urn.go`` ``NewURN``: no parent
prefix under the root stack).

Replace-forcing inputs (the provider answers ``replace`` when they change) of the stateful types siaga covers,
from terraform-provider-aws's schemas (``ForceNew: true``; pulumi-aws bridges them unchanged, camelCased):

- ``internal/service/rds/instance.go`` (aws_db_instance): identifier, identifier_prefix, engine, character_set_name,
  nchar_character_set_name, custom_iam_instance_profile, db_name, kms_key_id, storage_encrypted, username, timezone,
  snapshot_identifier, restore_to_point_in_time.
- ``internal/service/rds/cluster.go`` (aws_rds_cluster): cluster_identifier, cluster_identifier_prefix,
  availability_zones, cluster_scalability_type, database_name, db_subnet_group_name, db_system_id, engine,
  engine_mode, kms_key_id, master_username, restore_to_point_in_time, snapshot_identifier, storage_encrypted.
- ``internal/service/kms/key.go`` (aws_kms_key): custom_key_store_id, customer_master_key_spec, key_usage,
  multi_region, xks_key_id.
- ``internal/service/backup/vault.go`` (aws_backup_vault): name, kms_key_arn.
- ``internal/service/efs/file_system.go`` (aws_efs_file_system): availability_zone_name, creation_token, encrypted,
  kms_key_id, performance_mode.
- ``internal/service/s3/bucket.go`` (aws_s3_bucket): bucket, bucket_prefix, object_lock_enabled.
- ``internal/service/dynamodb/table.go`` (aws_dynamodb_table): name, hash_key, range_key.
- ``internal/service/elasticache/replication_group.go`` (aws_elasticache_replication_group): replication_group_id,
  at_rest_encryption_enabled, kms_key_id, subnet_group_name.
- Any resource's own ``replaceOnChanges`` option (the engine replaces when those inputs change).
- An AWS resource's region (its own ``region`` input, pulumi-aws v7, or its provider's): pulumi/pulumi-aws#4000
  ("Replace resources when the AWS region changes": the provider's DiffConfig asks for replacement, which the
  engine cascades to every resource of that provider, ``step_generator.go`` ``providerChanged`` and
  ``calculateDependentReplacements``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from siaga.engine.model import (
    ROOT_STACK_TYPE,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    Graph,
    Resource,
    effective_region,
)
from siaga.report_model import (
    Location,
    PlanDiff,
    PlanResource,
    PlanStep,
    PolicyRow,
    ReportFinding,
)

REPLACE_FORCING: dict[str, tuple[str, ...]] = {
    "aws:rds/instance:Instance": (
        "identifier", "identifierPrefix", "engine", "characterSetName", "ncharCharacterSetName",
        "customIamInstanceProfile", "dbName", "kmsKeyId", "storageEncrypted", "username", "timezone",
        "snapshotIdentifier", "restoreToPointInTime"),
    "aws:rds/cluster:Cluster": (
        "clusterIdentifier", "clusterIdentifierPrefix", "availabilityZones", "clusterScalabilityType", "databaseName",
        "dbSubnetGroupName", "dbSystemId", "engine", "engineMode", "kmsKeyId", "masterUsername",
        "restoreToPointInTime", "snapshotIdentifier", "storageEncrypted"),
    "aws:kms/key:Key": ("customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"),
    "aws:backup/vault:Vault": ("name", "kmsKeyArn"),
    "aws:efs/fileSystem:FileSystem": ("availabilityZoneName", "creationToken", "encrypted", "kmsKeyId",
                                      "performanceMode"),
    "aws:s3/bucket:Bucket": ("bucket", "bucketPrefix", "objectLockEnabled"),
    "aws:s3/bucketV2:BucketV2": ("bucket", "bucketPrefix", "objectLockEnabled"),
    "aws:dynamodb/table:Table": ("name", "hashKey", "rangeKey"),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("replicationGroupId", "atRestEncryptionEnabled", "kmsKeyId",
                                                          "subnetGroupName"),
}
"""Stateful type -> its replace-forcing inputs (sources in the module docstring)."""

STATEFUL_TYPES = frozenset(REPLACE_FORCING) | {"aws:elasticache/cluster:Cluster", "aws:docdb/cluster:Cluster",
                                               "aws:neptune/cluster:Cluster", "aws:opensearch/domain:Domain",
                                               "aws:ebs/volume:Volume", "aws:fsx/lustreFileSystem:LustreFileSystem",
                                               "aws:secretsmanager/secret:Secret", "aws:ecr/repository:Repository"}
"""Types whose deletion loses data (or a key that decrypts it): a delete or replace of one is a finding."""

UNKNOWN_DIGEST = "unknown"
PACK = "siaga-plan"
DELETED = "stateful-resource-deleted"
REPLACED = "stateful-resource-replaced"
DESCRIPTIONS = {
    DELETED: "A stateful or protected resource disappears from the program while one of its type appears: the "
             "deployment would delete it (and its data) and create an empty one.",
    REPLACED: "A replace-forcing input of a stateful or protected resource changes: the deployment would create a new "
              "one and delete the old one with its data.",
}
REMEDIATIONS = {
    DELETED: "Keep the old identity with an alias: opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(...)]) naming "
             "the old name and parent (the finding gives it).",
    REPLACED: "Revert the replace-forcing input, or migrate the data first (snapshot and restore) and say so in the "
              "pull request.",
}


def _digest(value: Any) -> str:
    """A value's fingerprint for comparison; a secret's is its marker only (never derived from the secret)."""
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        return "secret"
    if UNKNOWN in json.dumps(value, default=str):
        return UNKNOWN_DIGEST  # known only at deployment: never compared as if it were a value
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _spec_urn(spec: dict[str, Any], r: Resource, stack: str, project: str, by_urn: dict[str, Resource],
              matched: dict[str, str]) -> str:
    """``collapseAliasToUrn`` for one alias spec of ``r``."""
    name = spec.get("name") or r.name
    typ = spec.get("type") or r.type
    parent = spec.get("parentUrn") or ""
    parent = matched.get(parent, parent) if parent else (r.parent or "")
    if spec.get("noParent") or (parent and _qualified_type(parent) == ROOT_STACK_TYPE):
        parent = ""
    return make_urn(spec.get("stack") or stack, spec.get("project") or project,
                    _qualified_type(parent) if parent else "", typ, name)


def _qualified_type(urn: str) -> str:
    parts = urn.split("::")
    return parts[2] if len(parts) >= 4 else ""


def _urn_name(urn: str) -> str:
    return urn.split("::", 3)[3] if urn.count("::") >= 3 else urn


def _tail(urn: str) -> str:
    """A URN without its stack and project (``parent$type::name``): what tells two declarations apart here."""
    return urn.split("::", 2)[2] if urn.count("::") >= 3 else urn


def make_urn(stack: str, project: str, parent_type: str, typ: str, name: str) -> str:
    qualified = typ if not parent_type or parent_type == ROOT_STACK_TYPE else f"{parent_type}${typ}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def _declared_aliases(r: Resource) -> list[Any]:
    return list(r.options.aliases)


def _region(r: Resource, graph: Graph) -> str | None:
    """An AWS resource's region when known before deployment (else None: no claim is made on it)."""
    if not r.custom or r.is_provider or r.package != "aws":
        return None
    region = effective_region(r, graph)
    return None if region in (None, UNKNOWN, "[secret]") else region


def plan_resources(graph: Graph) -> list[PlanResource]:
    """The graph reduced to what a plan diff compares (kept in the JSON report, so a saved base report is enough)."""
    out = []
    for r in graph.resources:
        if r.type == ROOT_STACK_TYPE or r.read:
            continue
        forcing = {k: _digest(r.inputs[k]) for k in
                   (*REPLACE_FORCING.get(r.type, ()), *r.options.replaceOnChanges) if k in r.inputs}
        inputs = {k: v for k, v in r.inputs.items() if k not in ("tags", "tagsAll")} | {"tags": r.inputs.get("tags")}
        out.append(PlanResource(
            urn=r.urn, type=r.type, name=r.name, parent=r.parent, custom=r.custom, provider=r.provider_urn,
            protect=r.options.protect, stateful=r.type in STATEFUL_TYPES, synthesized=r.synthesized,
            aliases=_declared_aliases(r), forcing=forcing, replace_on_changes=list(r.options.replaceOnChanges),
            region=_region(r, graph),
            inputs=_digest(inputs)))
    return out


def _candidates(r: PlanResource, stack: str, project: str, by_urn: dict[str, PlanResource],
                matched: dict[str, str]) -> list[str]:
    """``generateAliases``: the resource's own aliases, then its parent's matched alias multiplied out."""
    res = Resource(urn=r.urn, type=r.type, name=r.name, custom=r.custom, parent=r.parent)
    own: list[str] = []
    for a in r.aliases:
        if isinstance(a, str):
            own.append(a)
        elif isinstance(a, dict) and a.get("urn"):
            own.append(a["urn"])
        elif isinstance(a, dict) and isinstance(a.get("spec"), dict):
            own.append(_spec_urn(a["spec"], res, stack, project, {}, matched))
    out = list(own)
    if r.parent and r.parent in matched:
        parent_alias = matched[r.parent]
        parent_name = _urn_name(r.parent)
        for typ, name in [(r.type, r.name)] + [(_qualified_type(u).rsplit("$", 1)[-1], _urn_name(u)) for u in own]:
            alias_name = _urn_name(parent_alias) + name[len(parent_name):] if name.startswith(parent_name) else name
            out.append(make_urn(stack, project, _qualified_type(parent_alias), typ, alias_name))
    return list(dict.fromkeys(out))


def _alias_snippet(old: PlanResource, new: PlanResource) -> str:
    """The alias that makes ``new`` keep ``old``'s identity, as the program would write it."""
    args = []
    if old.name != new.name:
        args.append(f"name={json.dumps(old.name)}")
    if old.type != new.type:
        args.append(f"type_={json.dumps(old.type)}")
    if (old.parent or "") != (new.parent or ""):
        if not old.parent or _qualified_type(old.parent) == ROOT_STACK_TYPE:
            args.append("parent=None")  # the Python SDK's "had no parent" (noParent)
        else:
            args.append(f"parent={json.dumps(old.parent)}")
    if not args:  # same name, type and parent: the stack or project changed
        return f"opts=pulumi.ResourceOptions(aliases=[{json.dumps(old.urn)}])"
    return f"opts=pulumi.ResourceOptions(aliases=[pulumi.Alias({', '.join(args)})])"


def diff(base: list[PlanResource], pr: list[PlanResource], stack: str, project: str, against: str,
         locate: Callable[[str], Location | None] | None = None) -> tuple[PlanDiff, list[ReportFinding]]:
    """The plan from ``base`` to ``pr`` and the data-loss findings, each located (``locate(urn)``) at the declaration
    in this revision: the replaced resource's, or for a deletion the declaration that took its place."""
    olds = {r.urn: r for r in base}
    news = {r.urn: r for r in pr}
    matched: dict[str, str] = {}
    """new URN -> the old URN it matched through an alias."""
    old_of: dict[str, PlanResource] = {}
    claimed: set[str] = set()
    for r in pr:  # parents before children (the graph's order is the registration order)
        if r.urn in olds:
            old_of[r.urn] = olds[r.urn]
            claimed.add(r.urn)
            continue
        for cand in _candidates(r, stack, project, news, matched):
            if cand in olds and cand not in claimed and cand not in news:
                matched[r.urn] = cand
                old_of[r.urn] = olds[cand]
                claimed.add(cand)
                break
    plan = PlanDiff(against=against)
    findings: list[ReportFinding] = []
    created: list[PlanResource] = []
    for r in pr:
        if r.synthesized:
            continue
        old = old_of.get(r.urn)
        if old is None:
            created.append(r)
            plan.create.append(_step("create", r))
            continue
        reasons = sorted(k for k in set(old.forcing) | set(r.forcing)
                         if (k in REPLACE_FORCING.get(r.type, ()) or k in r.replace_on_changes)
                         and old.forcing.get(k) != r.forcing.get(k) and old.type == r.type
                         and UNKNOWN_DIGEST not in (old.forcing.get(k), r.forcing.get(k)))
        if old.type != r.type and r.custom:
            reasons.append("type")
        if old.region and r.region and old.region != r.region:
            reasons.append(f"region {old.region} -> {r.region}")
        if reasons and r.custom:
            plan.replace.append(_step("replace", r, old.urn if old.urn != r.urn else None, reasons))
            if r.stateful or old.protect or r.protect:
                findings.append(_replaced(r, old, reasons))
                findings[-1].source = locate(r.urn) if locate else None
        elif old.inputs != r.inputs or old.urn != r.urn:  # protect alone is no update step
            plan.update.append(_step("update", r, old.urn if old.urn != r.urn else None))
        else:
            plan.same += 1
    for old in base:
        if old.urn in claimed or old.synthesized:
            continue
        same_type = [c for c in created if c.type == old.type]
        heir = next((c for c in same_type if c.name == old.name), same_type[0] if same_type else None)
        plan.delete.append(_step("delete", old, reasons=[f"in its place: {_tail(heir.urn)}"] if heir else []))
        if (old.stateful or old.protect) and old.custom:
            findings.append(_deleted(old, heir))
            findings[-1].source = locate(heir.urn) if locate and heir else None
    return plan, findings


def _step(op: str, r: PlanResource, old_urn: str | None = None, reasons: list[str] | None = None) -> PlanStep:
    return PlanStep(op=op, urn=r.urn, type=r.type, name=r.name, old_urn=old_urn, stateful=r.stateful,
                    protected=r.protect, reasons=reasons or [])


def _finding(policy: str, r: PlanResource, message: str) -> ReportFinding:
    return ReportFinding(pack=PACK, policy=policy, enforcement="mandatory", severity="critical", urn=r.urn,
                         type=r.type, name=r.name, message=message, description=DESCRIPTIONS[policy],
                         remediation=REMEDIATIONS[policy], frameworks=["NIST SP 800-53 rev5: CP-9, SI-12"],
                         status="new")


def _deleted(old: PlanResource, heir: PlanResource | None) -> ReportFinding:
    what = "protected " if old.protect else ""
    if heir is None:
        return _finding(DELETED, old, f"this {what}resource is no longer in the program: the deployment deletes it "
                                      "and its data (protect=True makes the deployment fail instead)")
    return _finding(DELETED, old, f"would be deleted and an empty one created in its place ({_tail(heir.urn)}); "
                                  f"keep it on the new declaration with {_alias_snippet(old, heir)}")


def _replaced(r: PlanResource, old: PlanResource, reasons: list[str]) -> ReportFinding:
    return _finding(REPLACED, r, f"{', '.join(reasons)} changed: the provider replaces the resource (a new one is "
                                 "created and the old one deleted with its data)")


def policy_rows() -> list[PolicyRow]:
    """The plan diff's two rules, listed like a pack's (SARIF rules, JUnit cases, the comment's policy groups)."""
    return [PolicyRow(pack=PACK, name=p, description=DESCRIPTIONS[p], enforcement="mandatory", severity="critical",
                      remediation=REMEDIATIONS[p], frameworks=["NIST SP 800-53 rev5: CP-9, SI-12"],
                      policy_type="stack") for p in (DELETED, REPLACED)]
