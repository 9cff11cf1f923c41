"""A stack that creates AWS resources is recorded by a multi-region CloudTrail trail that logs read and write
management events (FSBP CloudTrail.1).

The trail is the stack's own (``isMultiRegionTrail`` true, logging not turned off, management events of both kinds:
no event selectors = all management events; classic ``eventSelectors`` need one with ``includeManagementEvents`` not
false and ``readWriteType`` All; ``advancedEventSelectors`` need one on ``eventCategory`` Management without a
``readOnly`` filter, https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html),
or an organisation trail. An organisation trail is declared, not assumed: the stack creates it
(``isOrganizationTrail``), or the policy config ``organizationTrail`` names it (its ARN or name, shown in the
report), as an organisation's management account owns it and member stacks cannot see it before deployment.
"""

from typing import Any

from siaga_rules.common import Controls, Res, StackCtx, as_list, has_unknown, lookup, stack_policy

TRAIL = "aws:cloudtrail/trail:Trail"


def _management_events(trail: Res) -> bool:
    advanced = [s for s in as_list(trail.get("advancedEventSelectors")) if isinstance(s, dict)]
    if advanced:
        for sel in advanced:
            fields = {str(lookup(f, "field")): f for f in as_list(lookup(sel, "fieldSelectors")) if isinstance(f, dict)}
            category = fields.get("eventCategory")
            if category and "Management" in as_list(lookup(category, "equals")) and "readOnly" not in fields:
                return True
        return False
    classic = [s for s in as_list(trail.get("eventSelectors")) if isinstance(s, dict)]
    if not classic:
        return True
    return any(lookup(s, "includeManagementEvents") is not False and lookup(s, "readWriteType") in (None, "All")
               for s in classic)


def _problem(trail: Res) -> str | None:
    if trail.get("isMultiRegionTrail") is not True and trail.get("isOrganizationTrail") is not True:
        return "isMultiRegionTrail is not true (CloudTrail default: single-region)"
    if trail.get("enableLogging") is False:
        return "enableLogging is false"
    if not _management_events(trail):
        return "its event selectors exclude read or write management events"
    return None


def check(ctx: StackCtx) -> None:
    created: list[Any] = [r for r in ctx.resources if r.type.startswith("aws:") and not r.type.startswith(
        "pulumi:providers:")]
    if not created or ctx.config["organizationTrail"]:
        return
    trails = ctx.of_type(TRAIL)
    keys = ("isMultiRegionTrail", "isOrganizationTrail", "enableLogging", "eventSelectors", "advancedEventSelectors")
    unknown = [t for t in trails if any(has_unknown(t.get(k)) for k in keys)]
    problems = {t.urn: _problem(t) for t in trails if t not in unknown}
    if any(p is None for p in problems.values()):
        return
    if unknown:
        for t in unknown:
            ctx.cannot_verify(t, "whether the trail is multi-region and logs management events")
        return
    if not trails:
        ctx.fail(f"the stack creates {len(created)} AWS resources and no CloudTrail trail records them: add a "
                 "multi-region trail, or name the organisation trail in the policy config organizationTrail")
    for t in trails:
        ctx.fail(f"trail does not record the stack's API calls in every region: {problems[t.urn]}", t)


POLICY = stack_policy(
    id="cloudtrail-multi-region-trail",
    name="CloudTrail multi-region trail",
    category="logging",
    description="A stack that creates AWS resources has a multi-region CloudTrail trail logging read and write "
                "management events, or declares the organisation trail that records it (config organizationTrail).",
    remediation="Create aws.cloudtrail.Trail(is_multi_region_trail=True, enable_log_file_validation=True, "
                "kms_key_id=..., cloud_watch_logs_group_arn=...), or set organizationTrail to the organisation "
                "trail's ARN.",
    check=check,
    controls=Controls(nist=("AU-2", "AU-3", "AU-12"), iso=("A.8.15",), fsbp=("CloudTrail.1",),
                      checkov=("CKV_AWS_67",)),
    config={"organizationTrail": {"type": "string", "default": "",
                                  "description": "ARN or name of the organisation trail that records this account "
                                                 "(its management account owns it)."}},
)
