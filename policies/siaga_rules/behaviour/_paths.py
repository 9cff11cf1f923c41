"""Dependency paths and grant lookups shared by the ordering behaviour policies (not a policy: not in the registry).

"Before" in these policies means: no dependency path from the resource that turns something on to the grant it
needs. The engine creates a resource once everything it depends on (property dependencies and ``dependsOn``) is
created, and nothing else orders two resources, so without a path the two calls race.
"""

from __future__ import annotations

from siaga_rules.behaviour._wiring import depends_on
from siaga_rules.common import BUCKET_TYPES, Res, StackCtx

BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LOG_RESOURCE_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"


def waits_for(ctx: StackCtx, res: Res, target: str) -> bool:
    """True when ``res`` depends on the resource ``target`` (a URN), directly or through other resources."""
    by_urn = ctx.by_urn()
    seen: set[str] = set()
    todo = [res.urn]
    while todo:
        urn = todo.pop()
        if urn in seen:
            continue
        seen.add(urn)
        r = by_urn.get(urn)
        if r is None:
            continue
        deps = depends_on(r)
        if target in deps:
            return True
        todo.extend(deps - seen)
    return False


def bucket_policies(ctx: StackCtx, bucket: Res) -> list[Res]:
    """The aws.s3.BucketPolicy resources of ``bucket`` (by property dependency, else by its name)."""
    out = []
    for p in ctx.of_type(BUCKET_POLICY):
        if bucket in ctx.resolve(p, "bucket", *BUCKET_TYPES):
            out.append(p)
    return out


def log_group_policies(ctx: StackCtx, group: Res) -> list[Res]:
    """CloudWatch Logs resource policies naming ``group`` (its ARN or name in the document, or built from it)."""
    keys = [k for k in (group.get("arn"), group.get("name")) if isinstance(k, str) and k]
    out = []
    for p in ctx.of_type(LOG_RESOURCE_POLICY):
        doc = p.get("policyDocument")
        if group.urn in p.deps.get("policyDocument", []) or (
                isinstance(doc, str) and any(k in doc for k in keys)):
            out.append(p)
    return out
