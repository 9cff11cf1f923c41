"""Resources of types AWS Backup skips unless the account opted in are assigned by ARN (or the opt-in is managed).

"When you specify only a service name in the resource selection, the backup inclusion depends on the opt-in setting
... If you specify the resource selection directly with the resource type, it will be included in the backup
regardless of the opt-in setting" (https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources-json.html).
A selection by tag alone follows the opt-in. Amazon S3 is not opted in by default ("Service opt-in":
https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html#backup-service-optin), so a bucket
reached only through a tag of a selection is never backed up unless the account's ``UpdateRegionSettings`` turned S3
on: the stack manages that (``aws.backup.RegionSettings`` with ``resourceTypeOptInPreference.S3 = true``) or assigns
the bucket by ARN. Which buckets carry the tag is judged on the bucket's own tags and the aws provider's default tags.
"""

from __future__ import annotations

from siaga_rules.common import (
    BUCKET_TYPES,
    Controls,
    Res,
    StackCtx,
    as_bool,
    as_list,
    lookup,
    provider_default_tags,
    stack_policy,
    tags_of,
)

SELECTION = "aws:backup/selection:Selection"
REGION_SETTINGS = "aws:backup/regionSettings:RegionSettings"


def _tags(ctx: StackCtx, res: Res) -> dict[str, object]:
    prov = res.provider
    return {**provider_default_tags(prov), **tags_of(res.props)}


def _opted_in(ctx: StackCtx) -> bool:
    for rs in ctx.of_type(REGION_SETTINGS):
        prefs = rs.get("resourceTypeOptInPreference")
        if isinstance(prefs, dict) and as_bool(lookup(prefs, "S3")):
            return True
    return False


def check(ctx: StackCtx) -> None:
    if _opted_in(ctx):
        return
    buckets = ctx.of_type(*BUCKET_TYPES)
    for sel in ctx.of_type(SELECTION):
        conds = [c for c in as_list(sel.get("selectionTags")) if isinstance(c, dict)
                 and str(c.get("type", "")).upper() == "STRINGEQUALS"]
        if not conds:
            continue
        explicit = {b.urn for b in ctx.resolve(sel, "resources", *BUCKET_TYPES)}
        explicit |= {b.urn for b in buckets if any(
            isinstance(v, str) and (v in b.ids() or v in ("arn:aws:s3:::*", "*")) for v in as_list(sel.get("resources")))}
        for b in buckets:
            if b.urn in explicit:
                continue
            tags = _tags(ctx, b)
            hit = next((c for c in conds if tags.get(c.get("key")) == c.get("value")), None)
            if hit is None:
                continue
            ctx.fail(f"backup selection {sel.name} reaches bucket {b.name} only through its tag "
                     f"{hit.get('key')}={hit.get('value')}, and AWS Backup includes S3 resources selected by tag only "
                     "when the account's S3 opt-in is on; no aws.backup.RegionSettings of the stack turns it on, so "
                     f"{b.name} is never backed up. Fix: add {b.name}.arn to the selection's resources, or manage "
                     "aws.backup.RegionSettings with resource_type_opt_in_preference S3 = true.", sel)


POLICY = stack_policy(
    id="backup-tag-selection-opt-in",
    name="Tag-selected S3 buckets are assigned by ARN or opted in",
    category="behaviour",
    description="A backup selection reaching an S3 bucket through a tag only either lists the bucket's ARN or the "
                "stack manages aws.backup.RegionSettings opting S3 in.",
    remediation="List the bucket's ARN in the selection's resources (included regardless of the opt-in), or manage "
                "the account's S3 opt-in with aws.backup.RegionSettings.",
    check=check,
    controls=Controls(nist=("CP-9", "CP-10"), iso=("A.8.13",)),
)
