"""Plausible outputs for a resource the mocks 'create': its inputs plus what AWS computes.

Ids and ARNs are deterministic (hash of type and name) so two runs of a program give the same graph.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
from typing import Any

from siaga.engine.invokes import ACCOUNT_ID

# resource type -> (id prefix, ARN resource part template or None)
_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:ec2/volume:Volume": "vol",
    "aws:ec2/instance:Instance": "i",
    "aws:ec2/vpnGateway:VpnGateway": "vgw",
    "aws:ec2/customerGateway:CustomerGateway": "cgw",
    "aws:ec2/vpnConnection:VpnConnection": "vpn",
    "aws:ec2/networkAcl:NetworkAcl": "acl",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
}

_ARN_SERVICE = {
    "lb": "elasticloadbalancing", "alb": "elasticloadbalancing", "rds": "rds", "kms": "kms",
    "s3": "s3", "sns": "sns", "sqs": "sqs", "cloudwatch": "logs", "backup": "backup", "iam": "iam",
    "eks": "eks", "ec2": "ec2", "route53": "route53", "cloudtrail": "cloudtrail", "secretsmanager":
    "secretsmanager", "efs": "elasticfilesystem", "dynamodb": "dynamodb", "ecr": "ecr", "elasticache":
    "elasticache", "autoscaling": "autoscaling", "guardduty": "guardduty", "acm": "acm", "ssm": "ssm",
    "lambda": "lambda", "wafv2": "wafv2", "vpc": "ec2",
}

_GLOBAL_SERVICES = {"iam", "route53", "cloudfront", "organizations", "s3"}

_NAME_ARNS = {
    "aws:sns/topic:Topic": "arn:aws:sns:{region}:{account}:{name}",
    "aws:sqs/queue:Queue": "arn:aws:sqs:{region}:{account}:{name}",
    "aws:cloudwatch/logGroup:LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}",
    "aws:cloudtrail/trail:Trail": "arn:aws:cloudtrail:{region}:{account}:trail/{name}",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "arn:aws:cloudwatch:{region}:{account}:alarm:{name}",
    "aws:backup/vault:Vault": "arn:aws:backup:{region}:{account}:backup-vault:{name}",
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html#awslambda-resources-for-iam-policies
    "aws:lambda/function:Function": "arn:aws:lambda:{region}:{account}:function:{name}",
}
"""ARN formats from the services' documentation (e.g. https://docs.aws.amazon.com/service-authorization/latest/
reference/list_amazonsns.html#amazonsns-resources-for-iam-policies)."""


def _digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def resource_id(type_: str, name: str) -> str:
    prefix = _ID_PREFIX.get(type_)
    if prefix:
        return f"{prefix}-0{_digest(type_, name)}"
    return f"{name}-{_digest(type_, name, length=7)}"


def arn_for(type_: str, name: str, rid: str, region: str) -> str:
    module = type_.split(":")[1].split("/")[0] if ":" in type_ else "unknown"
    service = _ARN_SERVICE.get(module, module)
    kind = type_.rsplit(":", 1)[-1]
    kind = kind[0].lower() + kind[1:]
    if module == "s3":
        return f"arn:aws:s3:::{rid}"
    if module in _GLOBAL_SERVICES:
        return f"arn:aws:{service}::{ACCOUNT_ID}:{kind}/{rid}"
    if module == "kms" and kind == "key":
        return f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{_uuid(type_, name)}"
    return f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{kind}/{rid}"


def _uuid(*parts: str) -> str:
    h = _digest(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def computed(type_: str, name: str, inputs: dict[str, Any], region: str,
             declared: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """Returns (id, outputs) for a resource: inputs plus computed properties.

    ``declared`` (siaga.engine.declarations.Declarations.outputs_of): the outputs the type's SDK class declares;
    every one the provider computes and this table does not give gets a plausible value of its declared type
    (siaga/engine/fill.py), so a program that applies on it runs as after a real deployment.
    """
    # With the declarations, the program's own SDK says whether the type has a ``name`` output (the provider names
    # it); without them, siaga's pulumi-aws is asked (_auto_named imports the module: slow, and maybe not the
    # version the program runs)
    named = ("name" in declared) if declared is not None else None
    rid, out = _computed(type_, name, inputs, region, auto_named=named)
    if declared:
        from siaga.engine.fill import fill_declared  # noqa: PLC0415 - only when declarations were found

        fill_declared(type_, name, inputs, region, rid, out, declared)
    return rid, out


def _computed(type_: str, name: str, inputs: dict[str, Any], region: str,
              auto_named: bool | None = None) -> tuple[str, dict[str, Any]]:
    rid = resource_id(type_, name)
    out: dict[str, Any] = dict(inputs)
    if type_.startswith("kubernetes:"):
        meta = dict(out.get("metadata") or {})
        meta.setdefault("name", f"{name}-{_digest(name, length=8)}")
        out["metadata"] = meta
        rid = f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else meta["name"]
        if type_ == "kubernetes:core/v1:Service" and isinstance(out.get("spec"), dict):
            out["spec"] = _service_spec(name, out["spec"])
        if type_.endswith(":Ingress") and (out.get("spec") or {}).get("ingressClassName") == "alb":
            # the AWS Load Balancer Controller publishes its ALB's name; the provider waits for it
            lb = f"k8s-{meta.get('namespace', 'default')[:8]}-{meta['name'][:8]}-{_digest(name, length=10)}"
            out["status"] = {"loadBalancer": {"ingress": [{"hostname": f"{lb}.{region}.elb.amazonaws.com"}]}}
        return rid, out
    if type_.startswith("random:"):
        return rid, _random(type_, name, out)
    if not type_.startswith("aws:"):
        return rid, out
    if type_ == "aws:s3/bucket:Bucket" or type_ == "aws:s3/bucketV2:BucketV2":
        rid = inputs.get("bucket") or f"{name}-{_digest(type_, name, length=7)}"
        out.setdefault("bucket", rid)
        out["bucketDomainName"] = f"{rid}.s3.amazonaws.com"
        out["bucketRegionalDomainName"] = f"{rid}.s3.{region}.amazonaws.com"
    if type_ == "aws:kms/key:Key":
        rid = _uuid(type_, name)
        out["keyId"] = rid
    if not out.get("name") and (_auto_named(type_) if auto_named is None else auto_named):
        # What the provider's Check does: the logical name plus a random suffix.
        out["name"] = f"{name}-{_digest(type_, name, length=7)}"
    named = out.get("name") if isinstance(out.get("name"), str) else None
    if named and type_ in _NAME_ARNS:
        # services whose ARN ends with the resource's name (as AWS builds it), so policies that match ARNs
        # (topic and key policies, conditions on aws:SourceArn or an encryption context) see the real shape
        out.setdefault("arn", _NAME_ARNS[type_].format(region=region, account=ACCOUNT_ID, name=named))
    out.setdefault("arn", arn_for(type_, name, rid, region))
    out.setdefault("region", inputs.get("region") or region)
    if type_ in ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"):
        out["dnsName"] = f"{name}-{_digest(name, length=8)}.{region}.elb.amazonaws.com"
        out["zoneId"] = "Z02465373C4H6XS2JXVEF"
        out["arnSuffix"] = f"app/{name}/{_digest(name, length=16)}"
    if type_ in ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"):
        out["arnSuffix"] = f"targetgroup/{name}/{_digest(name, length=16)}"
    if type_ == "aws:rds/instance:Instance":
        host = f"{inputs.get('identifier') or name}.c{_digest(name, length=10)}.{region}.rds.amazonaws.com"
        port = inputs.get("port") or _rds_default_port(inputs.get("engine"))
        out.update(address=host, endpoint=f"{host}:{port}", port=port,
                   resourceId=f"db-{_digest(name, length=26).upper()}")
        if inputs.get("manageMasterUserPassword"):
            out["masterUserSecrets"] = [{
                "kmsKeyId": inputs.get("masterUserSecretKmsKeyId") or "",
                "secretArn": f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:rds!db-{_uuid(name)}",
                "secretStatus": "active",
            }]
    if type_ == "aws:rds/cluster:Cluster":
        host = f"{inputs.get('clusterIdentifier') or name}.cluster-c{_digest(name, length=10)}.{region}.rds.amazonaws.com"
        out.update(endpoint=host, readerEndpoint=host.replace(".cluster-", ".cluster-ro-"),
                   port=inputs.get("port") or _rds_default_port(inputs.get("engine") or "aurora"),
                   clusterResourceId=f"cluster-{_digest(name, length=26).upper()}")
    if type_ == "aws:route53/zone:Zone":
        rid = "Z" + _digest(name, length=20).upper()
        out.update(zoneId=rid, nameServers=[f"ns-{i}.awsdns-0{i}.net" for i in range(1, 5)])
    if type_ == "aws:route53/healthCheck:HealthCheck":
        rid = _uuid(type_, name)
    if type_ == "aws:eks/cluster:Cluster":
        out.update(
            endpoint=f"https://{_digest(name, length=32).upper()}.gr7.{region}.eks.amazonaws.com",
            certificateAuthority={"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lCQURBTgotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg=="},
            identities=[{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{_digest(name, length=32).upper()}"}]}],
            status="ACTIVE",
        )
        vpc = dict(out.get("vpcConfig") or {})
        vpc.setdefault("clusterSecurityGroupId", f"sg-0{_digest(name, 'cluster-sg')}")
        out["vpcConfig"] = vpc
    if type_ == "aws:iam/role:Role":
        out["arn"] = f"arn:aws:iam::{ACCOUNT_ID}:role/{inputs.get('name') or rid}"
        out["uniqueId"] = "AROA" + _digest(name, length=17).upper()
    if type_ == "aws:iam/instanceProfile:InstanceProfile":
        out["arn"] = f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/{inputs.get('name') or rid}"
    if type_ == "aws:ec2/launchTemplate:LaunchTemplate":
        out.update(latestVersion=1, defaultVersion=1)
    if type_ == "aws:acm/certificate:Certificate":
        domain = inputs.get("domainName") or "example.go.id"
        out["domainValidationOptions"] = [{
            "domainName": domain,
            "resourceRecordName": f"_{_digest(domain, length=32)}.{domain}.",
            "resourceRecordType": "CNAME",
            "resourceRecordValue": f"_{_digest(domain, 'v', length=32)}.acm-validations.aws.",
        }]
        out["status"] = "ISSUED"
    if type_ == "aws:ec2/eip:Eip":
        n = int(_digest(name, length=4), 16)
        out["publicIp"] = f"108.136.{n % 250}.{(n // 250) % 250 + 1}"
    if type_ == "aws:ec2/vpnConnection:VpnConnection":
        out.update(tunnel1Address="108.136.200.1", tunnel2Address="108.137.200.1")
    out.setdefault("tagsAll", out.get("tags") or {})
    return rid, out


def _service_spec(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """What the API server fills in a Service's spec (https://kubernetes.io/docs/concepts/services-networking/
    service/): a cluster IP for every type but ExternalName (a headless ``None`` stays), and a node port from the
    default range 30000-32767 for each port of a NodePort or LoadBalancer Service that names none."""
    spec = dict(spec)
    kind = spec.get("type") or "ClusterIP"
    if kind != "ExternalName" and not spec.get("clusterIP"):
        n = int(_digest("clusterIP", name, length=4), 16)
        spec["clusterIP"] = f"172.20.{n % 250}.{(n // 250) % 250 + 1}"
        spec["clusterIPs"] = [spec["clusterIP"]]
    if kind in ("NodePort", "LoadBalancer") and isinstance(spec.get("ports"), list):
        ports = []
        for i, port in enumerate(spec["ports"]):
            if isinstance(port, dict) and not port.get("nodePort"):
                port = {**port, "nodePort": 30000 + int(_digest("nodePort", name, str(i), length=6), 16) % 2768}
            ports.append(port)
        spec["ports"] = ports
    return spec


def provider_id(name: str) -> str:
    return _uuid("provider", name)


def _random(type_: str, name: str, out: dict[str, Any]) -> dict[str, Any]:
    """pulumi-random computes its values in the provider: make deterministic ones of the asked shape."""
    seed = _digest(type_, name, length=64)
    length = int(out.get("length") or 16)
    if type_.endswith(("RandomString", "RandomPassword")):
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789" if out.get("upper") is False else \
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        value = "".join(alphabet[int(seed[(i * 2) % 64:(i * 2) % 64 + 2], 16) % len(alphabet)] for i in range(length))
        out["result"] = value
    elif type_.endswith("RandomId"):
        n = int(out.get("byteLength") or 8)
        out["hex"] = (seed * 2)[: n * 2]
        out["b64Url"] = out["hex"]
        out["dec"] = str(int(out["hex"], 16))
    elif type_.endswith("RandomInteger"):
        lo, hi = int(out.get("min") or 0), int(out.get("max") or 100)
        out["result"] = lo + int(seed[:8], 16) % (hi - lo + 1)
    elif type_.endswith("RandomPet"):
        out["id"] = f"{out.get('prefix', '') or ''}{'-' if out.get('prefix') else ''}calm-komodo"
    elif type_.endswith("RandomUuid"):
        out["result"] = _uuid(type_, name)
    elif type_.endswith("RandomShuffle"):
        out["results"] = list(out.get("inputs") or [])
    return out


@functools.cache
def _auto_named(type_: str) -> bool:
    """Whether pulumi-aws auto-names this type: its Python class has a ``name`` output property."""
    try:
        module, cls = type_.split(":")[1].split("/")[0], type_.rsplit(":", 1)[-1]
        module = "lambda_" if module == "lambda" else module  # a Python keyword: the SDK's module is lambda_
        klass = getattr(importlib.import_module(f"pulumi_aws.{module}"), cls)
    except (ImportError, AttributeError, IndexError, ValueError):
        return False
    return isinstance(getattr(klass, "name", None), property)


def _rds_default_port(engine: object) -> int:
    """The port RDS gives a DB instance/cluster without `port`: MySQL, MariaDB and Aurora MySQL 3306, PostgreSQL
    5432, Oracle 1521, SQL Server 1433, Db2 50000
    (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html, Port)."""
    e = str(engine or "postgres").lower()
    for prefix, port in (("aurora-postgresql", 5432), ("postgres", 5432), ("oracle", 1521), ("custom-oracle", 1521),
                         ("sqlserver", 1433), ("custom-sqlserver", 1433), ("db2", 50000)):
        if e.startswith(prefix):
            return port
    return 3306
