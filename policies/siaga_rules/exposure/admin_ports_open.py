"""No security group opens admin or database ports to the whole internet (0.0.0.0/0 or ::/0)."""

from typing import Any

from siaga_rules.common import Controls, Ctx, as_list, resource_policy

OPEN = ("0.0.0.0/0", "::/0")
# admin and database ports, plus Security Hub EC2.19's high-risk list (20, 21, 22, 23, 25, 110, 135, 143, 445, 1433,
# 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5439, 5500, 5601, 8080, 8088, 8888, 9200, 9300;
# https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-19) and cdk-nag
# EC2RestrictedCommonPorts' (20, 21, 3389, 3309, 3306, 4333; cdklabs/cdk-nag src/rules/ec2/EC2RestrictedCommonPorts.ts),
# and Redshift's default cluster port 5439 (Security Hub Redshift.15)
DEFAULT_PORTS = [20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 1521, 2049, 2379, 3000, 3306, 3309, 3389, 4333,
                 5000, 5432, 5500, 5601, 5985, 5986, 6379, 6443, 8080, 8088, 8888, 9092, 9200, 9300, 10250, 11211,
                 27017]
TYPES = ("aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule",
         "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")


def _exposed(ports: list[int], proto: Any, lo: Any, hi: Any) -> list[int]:
    proto = str(proto if proto is not None else "tcp").lower()
    if proto in ("-1", "all"):
        return ports
    if proto not in ("tcp", "6", "udp", "17"):
        return []
    lo_i = int(float(lo)) if lo is not None else 0
    hi_i = int(float(hi)) if hi is not None else lo_i
    if lo_i == -1:
        return ports
    return [p for p in ports if lo_i <= p <= hi_i]


def check(ctx: Ctx) -> None:
    ports = [int(p) for p in ctx.config["adminPorts"]]
    rules: list[tuple[str, dict]] = []
    if ctx.type == "aws:ec2/securityGroup:SecurityGroup":
        rules = [(f"ingress[{i}]", r) for i, r in enumerate(as_list(ctx.get("ingress"))) if isinstance(r, dict)]
    elif ctx.type == "aws:ec2/securityGroupRule:SecurityGroupRule":
        if ctx.get("type") == "ingress":
            rules = [("rule", ctx.props)]
    else:
        rules = [("rule", {"cidrBlocks": [ctx.get("cidrIpv4")], "ipv6CidrBlocks": [ctx.get("cidrIpv6")],
                           "protocol": ctx.get("ipProtocol"), "fromPort": ctx.get("fromPort"),
                           "toPort": ctx.get("toPort")})]
    for where, rule in rules:
        cidrs = as_list(ctx.get("cidrBlocks", rule)) + as_list(ctx.get("ipv6CidrBlocks", rule))
        wide = [c for c in cidrs if c in OPEN]
        if not wide:
            continue
        hit = _exposed(ports, ctx.get("protocol", rule), ctx.get("fromPort", rule), ctx.get("toPort", rule))
        if hit:
            ctx.fail(f"{where} opens port(s) {hit} to {', '.join(wide)}")


POLICY = resource_policy(
    id="no-open-admin-ports",
    name="No admin/database ports open to the internet",
    category="exposure",
    types=TYPES,
    description="Security group ingress from 0.0.0.0/0 or ::/0 never includes admin, database or other high-risk "
                "ports (SSH, RDP, WinRM, FTP, SMTP, SMB, database and cluster ports, the FSBP EC2.19 list; "
                "all-protocol rules count as every port).",
    remediation="Restrict the source to the VPC/on-prem CIDRs or a security group; use SSM Session Manager instead of SSH/RDP.",
    check=check,
    controls=Controls(nist=("SC-7", "AC-17", "CM-7"), iso=("A.8.20", "A.8.22"),
                      fsbp=("EC2.19", "Redshift.15"),
                      cdk_nag=("NIST.800.53.R5-EC2RestrictedSSH", "NIST.800.53.R5-EC2RestrictedCommonPorts"),
                      checkov=("CKV_AWS_24", "CKV_AWS_25")),
    config={"adminPorts": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 65535},
                           "default": DEFAULT_PORTS, "description": "Ports that must never be open to the internet."}},
)
