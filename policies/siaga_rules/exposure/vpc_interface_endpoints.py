"""Every VPC has interface endpoints for the AWS services its instances call (FSBP EC2.10, 55, 56, 57, 58, 60).

Without a ``com.amazonaws.<region>.<service>`` endpoint, calls to EC2, ECR (api, dkr), Systems Manager and
Incident Manager leave the VPC through a NAT gateway to public endpoints; with one they stay on the AWS network
in the region (https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html).
Advisory: the list is config (``requiredServices``), Security Hub's six by default.
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, StackCtx, has_unknown, stack_policy

VPC = "aws:ec2/vpc:Vpc"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
DEFAULT = ["ec2", "ecr.api", "ecr.dkr", "ssm", "ssm-contacts", "ssm-incidents"]


def check(ctx: StackCtx) -> None:
    wanted = list(ctx.config["requiredServices"])
    have: dict[str, set[str]] = {}
    unknown: set[str] = set()
    for ep in ctx.of_type(ENDPOINT):
        name = ep.get("serviceName")
        for vpc in ctx.resolve(ep, "vpcId", VPC):
            if has_unknown(name) or not isinstance(name, str):
                unknown.add(vpc.urn)
            else:
                have.setdefault(vpc.urn, set()).add(name)
    for vpc in ctx.of_type(VPC):
        names = have.get(vpc.urn, set())
        missing = [s for s in wanted if not any(n.endswith("." + s) for n in names)]
        if not missing:
            continue
        if vpc.urn in unknown:
            ctx.cannot_verify(vpc, "VPC endpoint serviceName")
        else:
            ctx.fail(f"no VPC endpoint for {', '.join(missing)}: those API calls leave through the NAT gateway", vpc)


POLICY = stack_policy(
    id="vpc-interface-endpoints",
    name="VPC endpoints for EC2, ECR and Systems Manager",
    category="exposure",
    level=EnforcementLevel.ADVISORY,
    description="Every VPC has VPC endpoints for the configured services (default: ec2, ecr.api, ecr.dkr, ssm, "
                "ssm-contacts, ssm-incidents).",
    remediation="aws.ec2.VpcEndpoint(vpc_id=..., vpc_endpoint_type='Interface', service_name="
                "f'com.amazonaws.{region}.<service>', private_dns_enabled=True, subnet_ids=[private subnets]).",
    check=check,
    controls=Controls(nist=("SC-7", "SC-7(4)", "AC-4"), iso=("A.8.20", "A.8.21"),
                      fsbp=("EC2.10", "EC2.55", "EC2.56", "EC2.57", "EC2.58", "EC2.60")),
    config={"requiredServices": {"type": "array", "items": {"type": "string"}, "default": DEFAULT,
                                 "description": "Service suffixes (after com.amazonaws.<region>.) every VPC needs "
                                                "an endpoint for."}},
)
