"""EKS clusters send control-plane logs to CloudWatch."""

from siaga_rules.common import Controls, Ctx, as_list, resource_policy


def check(ctx: Ctx) -> None:
    enabled = set(as_list(ctx.get("enabledClusterLogTypes")))
    missing = [t for t in ctx.config["requiredLogTypes"] if t not in enabled]
    if missing:
        ctx.fail(f"enabledClusterLogTypes lacks {missing}")


POLICY = resource_policy(
    id="eks-control-plane-logs",
    name="EKS control-plane logs",
    category="logging",
    types=("aws:eks/cluster:Cluster",),
    description="EKS clusters enable the required control-plane log types (api, audit, authenticator by default).",
    remediation="Set enabled_cluster_log_types=['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].",
    check=check,
    controls=Controls(nist=("AU-2", "AU-12"), iso=("A.8.15",),
                      fsbp=("EKS.8",), checkov=("CKV_AWS_37",)),
    config={"requiredLogTypes": {"type": "array", "items": {"type": "string"},
                                 "default": ["api", "audit", "authenticator"],
                                 "description": "Log types that must be enabled."}},
)
