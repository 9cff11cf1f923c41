"""Realistic answers to common invokes for ap-southeast-3 (Jakarta), in wire (camelCase) names.

An invoke this module does not know returns ``None``; the mocks then answer ``{}`` and record a
warning, never crash.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "ap-southeast-3"
AZ_SUFFIXES = ("a", "b", "c")


def _region(args: dict[str, Any], region: str) -> str:
    value = args.get("region")
    return value if isinstance(value, str) and value else region


def availability_zones(args: dict[str, Any], region: str) -> dict[str, Any]:
    region = _region(args, region)
    prefix = {"ap-southeast-3": "apse3", "ap-southeast-1": "apse1"}.get(region, region.replace("-", "")[:6])
    names = [f"{region}{s}" for s in AZ_SUFFIXES]
    zone_ids = [f"{prefix}-az{i}" for i in range(1, len(names) + 1)]
    excluded = set(args.get("excludeNames") or [])
    excluded_ids = set(args.get("excludeZoneIds") or [])
    pairs = [(n, z) for n, z in zip(names, zone_ids, strict=True) if n not in excluded and z not in excluded_ids]
    return {
        "id": region,
        "region": region,
        "names": [n for n, _ in pairs],
        "zoneIds": [z for _, z in pairs],
        "groupNames": [region for _ in pairs],
        "state": args.get("state") or "available",
    }


def caller_identity(args: dict[str, Any], region: str) -> dict[str, Any]:
    return {
        "id": ACCOUNT_ID,
        "accountId": ACCOUNT_ID,
        "arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/platform-engineer/siaga",
        "userId": "AROAEXAMPLEID:siaga",
    }


def partition(args: dict[str, Any], region: str) -> dict[str, Any]:
    return {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}


def get_region(args: dict[str, Any], region: str) -> dict[str, Any]:
    region = args.get("name") or _region(args, region)
    return {
        "id": region,
        "name": region,
        "region": region,
        "description": "Asia Pacific (Jakarta)" if region == "ap-southeast-3" else region,
        "endpoint": f"ec2.{region}.amazonaws.com",
    }


def ami(args: dict[str, Any], region: str) -> dict[str, Any]:
    name = "al2023-ami-2023.6.20241121.0-kernel-6.1-x86_64"
    return {
        "id": "ami-0a1b2c3d4e5f60718",
        "imageId": "ami-0a1b2c3d4e5f60718",
        "arn": f"arn:aws:ec2:{_region(args, region)}::image/ami-0a1b2c3d4e5f60718",
        "name": name,
        "architecture": "x86_64",
        "ownerId": "137112412989",
        "rootDeviceName": "/dev/xvda",
        "virtualizationType": "hvm",
        "state": "available",
    }


def certificate(args: dict[str, Any], region: str) -> dict[str, Any]:
    domain = args.get("domain") or "example.go.id"
    return {
        "id": f"arn:aws:acm:{_region(args, region)}:{ACCOUNT_ID}:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        "arn": f"arn:aws:acm:{_region(args, region)}:{ACCOUNT_ID}:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        "domain": domain,
        "status": "ISSUED",
        "statuses": ["ISSUED"],
        "keyTypes": ["RSA_2048"],
    }


def route53_zone(args: dict[str, Any], region: str) -> dict[str, Any]:
    name = (args.get("name") or "example.go.id").rstrip(".")
    zone_id = args.get("zoneId") or "Z0123456789ABCDEFGHIJ"
    return {
        "id": zone_id,
        "zoneId": zone_id,
        "name": name,
        "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
        "privateZone": bool(args.get("privateZone")),
        "nameServers": [f"ns-{i}.awsdns-0{i}.org" for i in range(1, 5)],
        "resourceRecordSetCount": 2,
    }


def _condition(conditions: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, dict[str, Any]] = {}
    for c in conditions:
        values = c.get("values") or []
        out.setdefault(c["test"], {})[c["variable"]] = values[0] if len(values) == 1 else values
    return out


def _principals(principals: list[dict[str, Any]]) -> Any:
    out: dict[str, Any] = {}
    for p in principals:
        ids = p.get("identifiers") or []
        if p.get("type") == "*" and ids == ["*"]:
            return "*"
        out[p["type"]] = ids[0] if len(ids) == 1 else ids
    return out


def policy_document(args: dict[str, Any], region: str) -> dict[str, Any]:
    """Renders ``aws.iam.get_policy_document`` the way the provider does (the document is data)."""
    statements = []
    for s in args.get("statements") or []:
        st: dict[str, Any] = {}
        if s.get("sid"):
            st["Sid"] = s["sid"]
        st["Effect"] = s.get("effect") or "Allow"
        for key, wire in (("Action", "actions"), ("NotAction", "notActions"), ("Resource", "resources"),
                          ("NotResource", "notResources")):
            values = s.get(wire)
            if values:
                st[key] = values[0] if len(values) == 1 else values
        if s.get("principals"):
            st["Principal"] = _principals(s["principals"])
        if s.get("notPrincipals"):
            st["NotPrincipal"] = _principals(s["notPrincipals"])
        if s.get("conditions"):
            st["Condition"] = _condition(s["conditions"])
        statements.append(st)
    doc = {"Version": args.get("version") or "2012-10-17", "Statement": statements}
    text = json.dumps(doc, indent=2)
    return {"id": str(abs(hash(text)) % 10**10), "json": text, "minifiedJson": json.dumps(doc, separators=(",", ":"))}


def elb_service_account(args: dict[str, Any], region: str) -> dict[str, Any]:
    # Regions opened after August 2022 (Jakarta among them) have no ELB account: log delivery uses the
    # logdelivery.elasticloadbalancing.amazonaws.com service principal instead.
    return {"id": "", "arn": ""}


def kms_alias(args: dict[str, Any], region: str) -> dict[str, Any]:
    name = args.get("name") or "alias/aws/s3"
    key = "0a1b2c3d-1111-2222-3333-444455556666"
    return {
        "id": name,
        "name": name,
        "arn": f"arn:aws:kms:{_region(args, region)}:{ACCOUNT_ID}:{name}",
        "targetKeyId": key,
        "targetKeyArn": f"arn:aws:kms:{_region(args, region)}:{ACCOUNT_ID}:key/{key}",
    }


def ssm_parameter(args: dict[str, Any], region: str) -> dict[str, Any]:
    name = args.get("name") or ""
    value = "ami-0a1b2c3d4e5f60718" if "/ami/" in name or "ami" in name else "value"
    return {"id": name, "name": name, "value": value, "insecureValue": value, "type": "String", "version": 1,
            "arn": f"arn:aws:ssm:{_region(args, region)}:{ACCOUNT_ID}:parameter{name}"}


def default_vpc(args: dict[str, Any], region: str) -> dict[str, Any]:
    return {"id": "vpc-0default00000000", "cidrBlock": "172.31.0.0/16", "default": True,
            "arn": f"arn:aws:ec2:{_region(args, region)}:{ACCOUNT_ID}:vpc/vpc-0default00000000"}


def subnets(args: dict[str, Any], region: str) -> dict[str, Any]:
    return {"id": _region(args, region), "ids": [f"subnet-0default0000000{i}" for i in range(1, 4)]}


def eks_cluster_auth(args: dict[str, Any], region: str) -> dict[str, Any]:
    return {"id": args.get("name", "cluster"), "name": args.get("name", "cluster"), "token": "k8s-aws-v1.mock"}


def guardduty_detector(args: dict[str, Any], region: str) -> dict[str, Any]:
    """The account's one detector in the region (enabled by the organisation or another stack), as
    ``aws.guardduty.get_detector()`` returns it: id, status, frequency, service role, features."""
    detector = "12abc34d567e8fa901bc2d34e56789f0"
    return {"id": args.get("id") or detector, "status": "ENABLED", "findingPublishingFrequency": "SIX_HOURS",
            "serviceRoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/guardduty.amazonaws.com/"
                              "AWSServiceRoleForAmazonGuardDuty",
            "arn": f"arn:aws:guardduty:{_region(args, region)}:{ACCOUNT_ID}:detector/{args.get('id') or detector}",
            "features": [{"name": n, "status": "ENABLED", "additionalConfigurations": []}
                         for n in ("CLOUD_TRAIL", "DNS_LOGS", "FLOW_LOGS")], "tags": {}}


def load_balancer(args: dict[str, Any], region: str) -> dict[str, Any]:
    """``aws.lb.get_load_balancer`` by name or by tags (e.g. the tags the AWS Load Balancer Controller puts on the
    ALB it makes for an Ingress): one ALB with a stable id derived from what was asked."""
    import hashlib

    tags = dict(args.get("tags") or {})
    asked = args.get("name") or args.get("arn") or json.dumps(tags, sort_keys=True)
    digest = hashlib.sha256(str(asked).encode()).hexdigest()
    name = args.get("name") or f"k8s-{digest[:8]}-{digest[8:18]}"
    rid = digest[18:34]
    r = _region(args, region)
    suffix = f"app/{name}/{rid}"
    return {"id": f"arn:aws:elasticloadbalancing:{r}:{ACCOUNT_ID}:loadbalancer/{suffix}",
            "arn": f"arn:aws:elasticloadbalancing:{r}:{ACCOUNT_ID}:loadbalancer/{suffix}", "arnSuffix": suffix,
            "name": name, "dnsName": f"{name}-{int(digest[:8], 16) % 10**10}.{r}.elb.amazonaws.com",
            "zoneId": "Z2ZZZZZZZZZZZZ", "loadBalancerType": "application", "internal": False, "tags": tags}


def random_string(args: dict[str, Any], region: str) -> dict[str, Any]:
    return {}


HANDLERS: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": availability_zones,
    "aws:index/getCallerIdentity:getCallerIdentity": caller_identity,
    "aws:index/getPartition:getPartition": partition,
    "aws:index/getRegion:getRegion": get_region,
    "aws:ec2/getAmi:getAmi": ami,
    "aws:acm/getCertificate:getCertificate": certificate,
    "aws:route53/getZone:getZone": route53_zone,
    "aws:iam/getPolicyDocument:getPolicyDocument": policy_document,
    "aws:elb/getServiceAccount:getServiceAccount": elb_service_account,
    "aws:kms/getAlias:getAlias": kms_alias,
    "aws:ssm/getParameter:getParameter": ssm_parameter,
    "aws:ec2/getVpc:getVpc": default_vpc,
    "aws:ec2/getSubnets:getSubnets": subnets,
    "aws:eks/getClusterAuth:getClusterAuth": eks_cluster_auth,
    "aws:guardduty/getDetector:getDetector": guardduty_detector,
    "aws:lb/getLoadBalancer:getLoadBalancer": load_balancer,
}


def answer(token: str, args: dict[str, Any], region: str = DEFAULT_REGION) -> dict[str, Any] | None:
    handler = HANDLERS.get(token)
    return None if handler is None else handler(args, region)
