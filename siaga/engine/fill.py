"""Plausible values for the outputs a resource type declares and the provider computes.

siaga/engine/outputs.py gives the values policies rely on (name-based ARNs, prefixed ids, RDS endpoints...). Every
other output the type's SDK class declares (siaga/engine/declarations.py) and the program could not set gets a
value of its declared type here, chosen by the property's name: an ARN of the right service, region and account, a
host name under the service's domain, a URL, an IP, a status the service reports once created, a timestamp...,
so that ``api.execution_arn.apply(lambda a: a + "/*")`` or ``service.status.load_balancer.ingress[0].hostname``
run as they would after a real ``pulumi up``. Properties the program can set (constructor arguments) are left as
the program gave them: inventing an encryption key or a public IP the program did not ask for would change what
the policies judge. Deterministic: every value is a function of type, name, inputs and the property's path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from siaga.engine.invokes import ACCOUNT_ID
from siaga.engine.outputs import _ARN_SERVICE, _digest, _uuid

TIMESTAMP = "2026-01-01T00:00:00Z"


class _Res:
    """What a value is derived from: the resource and where in its outputs the value goes."""

    def __init__(self, type_: str, name: str, inputs: dict[str, Any], region: str, rid: str,
                 out: dict[str, Any]) -> None:
        self.type = type_
        self.name = name
        self.inputs = inputs
        self.region = region
        self.rid = rid
        self.out = out
        self.declared: dict[str, Any] = {}
        parts = type_.split(":")
        self.pkg = parts[0]
        self.module = parts[1].split("/")[0] if len(parts) > 1 else ""
        self.kind = parts[-1]
        self.service = _ARN_SERVICE.get(self.module, self.module)

    def declared_input(self, wire: str) -> bool:
        return bool((self.declared.get(wire) or {}).get("input"))

    def h(self, *path: str, length: int = 10) -> str:
        return _digest(self.type, self.name, *path, length=length)

    @property
    def label(self) -> str:
        """A DNS label from the resource's name: what services put first in the host names they give out."""
        given = self.out.get("name") if isinstance(self.out.get("name"), str) else self.name
        meta = self.out.get("metadata")
        if self.pkg == "kubernetes" and isinstance(meta, dict) and isinstance(meta.get("name"), str):
            given = meta["name"]
        label = "".join(c if c.isalnum() else "-" for c in str(given).lower()).strip("-")[:40]
        return label or "r"

    @property
    def auto_name(self) -> str:
        named = self.out.get("name")
        return named if isinstance(named, str) and named else f"{self.name}-{_digest(self.type, self.name, length=7)}"

    def host(self, path: tuple[str, ...]) -> str:
        if self.pkg == "kubernetes":
            if "loadBalancer" in path:
                # an AWS load balancer created for the Service/Ingress (classic ELB name shape)
                return f"a{self.h(*path, length=32)}-{int(self.h('n', length=8), 16) % 10**10}.{self.region}.elb.amazonaws.com"
            meta = self.out.get("metadata") if isinstance(self.out.get("metadata"), dict) else {}
            return f"{self.label}.{meta.get('namespace') or 'default'}.svc.cluster.local"
        if self.pkg == "aws":
            return f"{self.label}-{self.h(*path, length=8)}.{self.service}.{self.region}.amazonaws.com"
        return f"{self.label}-{self.h(*path, length=8)}.{self.pkg}.example.com"


def _arn(res: _Res, wire: str, path: tuple[str, ...]) -> str:
    if res.pkg != "aws":
        return f"{res.pkg}:{res.kind}:{res.h(*path)}"
    lower = wire.lower()
    if lower == "arn" and isinstance(res.out.get("arn"), str):
        return res.out["arn"]
    kind = wire[: -len("Arn")] if wire.endswith("Arn") and len(wire) > 3 else res.kind[0].lower() + res.kind[1:]
    return f"arn:aws:{res.service}:{res.region}:{ACCOUNT_ID}:{kind}/{res.rid}"


def _string(res: _Res, wire: str, path: tuple[str, ...], desc: dict[str, Any]) -> str:
    special = _SPECIAL.get((res.type, wire)) if len(path) == 1 else None
    if special is not None:
        return special(res)
    if desc.get("enum"):
        return str(desc["enum"][0])
    lower = wire.lower()
    parent = path[-2].lower() if len(path) > 1 else ""
    if len(path) > 1 and wire in res.inputs and isinstance(res.inputs[wire], str) and res.inputs[wire]:
        return res.inputs[wire]  # a nested echo of an input: a Helm release's status.chart, .namespace...
    if lower == "arn" or lower.endswith("arn"):
        if len(path) == 1 and wire.endswith("Arn") and res.pkg == "aws":
            named = _arn_of_named_input(res, wire[: -len("Arn")])
            if named is not None:
                return named
        return _arn(res, wire, path)
    if lower in ("accountid", "ownerid", "owneraccountid", "awsaccountid", "owner"):
        return ACCOUNT_ID if res.pkg == "aws" else res.h(*path)
    if lower.endswith("region"):
        return res.region
    if lower in ("availabilityzone", "az"):
        return f"{res.region}a"
    if lower.endswith(("url", "uri")):
        return f"https://{res.host(path)}/"
    if "public" in lower and lower.endswith(_ADDRESS_WORDS) and res.pkg == "aws" and not _public(res):
        return ""  # no public address unless the program asked for one (as AWS reports it: empty)
    if lower == "fqdn" and isinstance(res.inputs.get("name"), str) and res.inputs["name"]:
        return res.inputs["name"]
    if lower.endswith("nameserver"):
        return "ns-1.awsdns-01.net"
    if lower.endswith(("endpoint", "domainname", "dnsname", "dns", "hostname", "host", "fqdn")) or (
            lower.endswith("address") and not lower.endswith(("ipaddress", "macaddress", "emailaddress"))):
        return res.host(path)
    if lower.endswith(("ip", "ipaddress", "ipv4")) or lower in ("clusterip",):
        if "public" in lower:
            n = int(res.h(*path, length=4), 16)
            return f"108.136.{n % 250}.{(n // 250) % 250 + 1}"
        n = int(res.h(*path, length=4), 16)
        return f"10.0.{n % 250}.{(n // 250) % 250 + 1}"
    if "cidr" in lower:
        return "2406:da18::/56" if "ipv6" in lower else "10.0.0.0/16"
    if lower.endswith("zoneid"):
        return "Z" + res.h(*path, length=20).upper()
    if lower == "uid":
        return _uuid(res.type, res.name, *path)
    if lower.endswith("ownerid"):
        return ACCOUNT_ID if res.pkg == "aws" else res.h(*path)
    if lower.endswith("id"):
        if res.pkg != "aws":
            return f"{res.label}-{res.h(*path, length=12)}"
        for word, prefix in _EC2_ID_PREFIXES:
            if lower.endswith(word):
                return f"{prefix}-0{res.h(*path, length=17)}"
        return res.h(*path, length=17)
    if lower.endswith("name"):
        if lower == "name" or lower == res.kind.lower() + "name":
            return res.auto_name
        return f"{res.auto_name}-{wire[: -len('Name')].lower()}"
    if lower in ("status", "state", "phase") or lower.endswith(("status", "state")):
        return _status(res, path)
    if lower == "type" and "conditions" in path:
        return "Ready" if res.pkg == "kubernetes" else "Available"
    if lower.endswith("versionactual") and isinstance(res.inputs.get("engineVersion"), str):
        return res.inputs["engineVersion"]
    if any(word in lower for word in ("time", "date", "timestamp", "notafter", "notbefore", "expir")) or lower.endswith(
            ("createdat", "updatedat", "modifiedat", "deletedat", "startedat", "lastmodified")):
        return TIMESTAMP
    if lower.endswith(("version", "revision")):
        return "1"
    if lower in ("etag", "fingerprint") or lower.endswith(("hash", "sha256", "checksum", "digest", "etag")):
        return res.h(*path, length=32)
    if "certificate" in lower or lower.endswith(("pem", "publickey", "privatekey")):
        return "-----BEGIN CERTIFICATE-----\nMIIBsiaga\n-----END CERTIFICATE-----\n"
    if lower in ("message", "reason", "description"):
        return "" if lower != "reason" else "Ready"
    if parent == "tags" or lower == "value":
        return ""
    return f"{res.label}-{wire.lower()}-{res.h(*path, length=6)}"


# EC2 id prefixes (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html), longest words first
_EC2_ID_PREFIXES = (
    ("securitygroupruleid", "sgr"), ("securitygroupid", "sg"), ("routetableid", "rtb"), ("networkaclid", "acl"),
    ("networkinterfaceid", "eni"), ("dhcpoptionsid", "dopt"), ("prefixlistid", "pl"), ("natgatewayid", "nat"),
    ("internetgatewayid", "igw"), ("transitgatewayid", "tgw"), ("vpcendpointid", "vpce"), ("vpcid", "vpc"),
    ("subnetid", "subnet"), ("instanceid", "i"), ("allocationid", "eipalloc"), ("associationid", "eipassoc"),
    ("volumeid", "vol"), ("snapshotid", "snap"), ("imageid", "ami"), ("vpngatewayid", "vgw"),
    ("customergatewayid", "cgw"),
)

_NAMED_ARNS = {
    "snsTopic": "arn:aws:sns:{region}:{account}:{name}",
    "backupVault": "arn:aws:backup:{region}:{account}:backup-vault:{name}",
    "logGroup": "arn:aws:logs:{region}:{account}:log-group:{name}",
    "queue": "arn:aws:sqs:{region}:{account}:{name}",
}


_ADDRESS_WORDS = ("ip", "ipaddress", "ipv4", "dns", "dnsname", "address", "hostname")


def _arn_of_named_input(res: _Res, stem: str) -> str | None:
    """``backupVaultArn`` next to the ``backupVaultName`` the program gave: the ARN of that resource, in the
    shape its service gives (or empty when the program named none, as the service reports it); None when the
    type has no such argument."""
    given = res.inputs.get(stem + "Name")
    if stem + "Name" not in res.inputs and not res.declared_input(stem + "Name"):
        return None
    if not isinstance(given, str) or not given:
        return ""
    shape = _NAMED_ARNS.get(stem)
    if shape:
        return shape.format(region=res.region, account=ACCOUNT_ID, name=given)
    return f"arn:aws:{res.service}:{res.region}:{ACCOUNT_ID}:{stem}/{given}"


def _public(res: _Res) -> bool:
    """Whether the program asked for a public address (a public NAT gateway and an Elastic IP always have one)."""
    if res.type in ("aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip"):
        return res.inputs.get("connectivityType") != "private"
    return any(res.inputs.get(k) for k in ("associatePublicIpAddress", "publiclyAccessible", "mapPublicIpOnLaunch"))


def _status(res: _Res, path: tuple[str, ...]) -> str:
    """What the service reports once the resource is created and healthy."""
    if res.pkg == "kubernetes":
        if "conditions" in path:
            return "True"
        if res.kind == "Release" or path[:1] == ("status",) and res.type.startswith("kubernetes:helm"):
            return "deployed"
        if path[-1] == "phase":
            return {"Pod": "Running", "PersistentVolumeClaim": "Bound", "PersistentVolume": "Bound"}.get(
                res.kind, "Active")
        return "True"
    if res.pkg != "aws":
        return "ACTIVE"
    return {"cloudfront": "Deployed", "rds": "available", "ec2": "available", "acm": "ISSUED",
            "elasticache": "available", "docdb": "available", "neptune": "available", "redshift": "available",
            "opensearch": "Active", "dynamodb": "ACTIVE"}.get(res.module, "ACTIVE")


def _integer(res: _Res, wire: str, path: tuple[str, ...]) -> int:
    lower = wire.lower()
    if "unavailable" in lower or "collision" in lower or lower.startswith(("failed", "inprogress")):
        return 0
    if "replicas" in lower or lower in ("numberready", "currentnumberscheduled", "desirednumberscheduled",
                                        "numberavailable", "updatednumberscheduled"):
        spec = res.inputs.get("spec") if isinstance(res.inputs.get("spec"), dict) else {}
        wanted = spec.get("replicas")
        return int(wanted) if isinstance(wanted, (int, float)) and not isinstance(wanted, bool) else 1
    if lower == "port" or lower.endswith("port"):
        port = res.inputs.get("port")
        return int(port) if isinstance(port, int) and not isinstance(port, bool) else 443
    if lower.endswith(("count", "size", "generation", "revision", "version", "capacity")):
        return 1
    return 0


def value(res: _Res, wire: str, desc: dict[str, Any], path: tuple[str, ...]) -> Any:
    """A plausible value of the declared type ``desc`` for the property ``wire`` at ``path``."""
    kind = desc.get("type")
    if kind == "resource":
        return None  # a resource object (an awsx Vpc's `vpc`): not something a value can stand for
    if kind == "string":
        return _string(res, wire, path, desc)
    if kind == "integer":
        return _integer(res, wire, path)
    if kind == "number":
        return float(_integer(res, wire, path))
    if kind == "boolean":
        return wire.lower() in ("ready", "available", "deployed", "healthy")
    if kind == "array":
        if "public" in wire.lower() and wire.lower().endswith(_ADDRESS_WORDS + ("ips", "addresses")) and \
                res.pkg == "aws" and not _public(res):
            return []
        items = desc.get("items") or {"type": "string"}
        singular = wire[:-1] if wire.endswith("s") and len(wire) > 1 else wire
        if items.get("type") == "resource":
            return None
        return [value(res, singular, items, path)]
    if kind == "object" and "properties" in desc:
        return _object(res, desc["properties"], path)
    if kind == "object" and "additionalProperties" in desc:
        if wire == "tagsAll":
            return dict(res.out.get("tags") or {})
        key = {"uris": "default"}.get(wire, "default")
        return {key: value(res, wire[:-1] if wire.endswith("s") else wire, desc["additionalProperties"],
                           path + (key,))}
    if kind == "object":
        return {}
    if "kubeconfig" in wire.lower():
        return _kubeconfig(res)
    return ""


def _kubeconfig(res: _Res) -> dict[str, Any]:
    """A kubeconfig as pulumi-eks answers ``kubeconfig`` (an object, ``Output[Any]``): the cluster's endpoint and
    CA, and ``aws eks get-token`` for credentials (https://docs.aws.amazon.com/eks/latest/userguide/
    create-kubeconfig.html); programs index it or hand it to a Kubernetes provider."""
    name = res.auto_name
    server = f"https://{res.h('endpoint', length=32).upper()}.gr7.{res.region}.eks.amazonaws.com"
    return {"apiVersion": "v1", "kind": "Config", "current-context": "aws",
            "clusters": [{"name": "kubernetes", "cluster": {"server": server,
                                                            "certificate-authority-data": "LS0tLS1CRUdJTiBDRVJU"}}],
            "contexts": [{"name": "aws", "context": {"cluster": "kubernetes", "user": "aws"}}],
            "users": [{"name": "aws", "user": {"exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
                "args": ["eks", "get-token", "--cluster-name", name, "--region", res.region]}}}]}


def _object(res: _Res, props: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    override = _NESTED.get((res.type, path))
    if override is not None:
        return override(res)
    out: dict[str, Any] = {}
    for wire, sub in props.items():
        out[wire] = value(res, wire, sub, path + (wire,))
    return out


def fill_declared(type_: str, name: str, inputs: dict[str, Any], region: str, rid: str, out: dict[str, Any],
                  declared: dict[str, Any]) -> None:
    """Adds to ``out`` every declared output the provider computes that neither the program nor the table gave."""
    res = _Res(type_, name, inputs, region, rid, out)
    res.declared = declared
    for wire, desc in declared.items():
        if out.get(wire) is not None or not isinstance(desc, dict):
            continue
        if _auto_named(res, wire, desc):
            out[wire] = res.auto_name if wire == "name" else f"{res.auto_name}"
            continue
        if desc.get("input") is not False and not (
                desc.get("input") and desc.get("required") and wire.lower() in _CHOSEN_WHEN_ABSENT):
            continue  # the program's to set: left as it gave it (the provider echoes it, or its default)
        override = _NESTED.get((type_, (wire,)))
        filled = override(res) if override is not None else value(res, wire, desc, (wire,))
        if filled is not None:
            out[wire] = filled


def _auto_named(res: _Res, wire: str, desc: dict[str, Any]) -> bool:
    """A name argument the program left out and the provider always reports (``Output[str]``, not Optional): the
    bridged providers auto-name it from the logical name plus a random suffix (pulumi-terraform-bridge
    ``AutoName``: ``name``, or the type's own ``<kind>Name`` such as an EKS node group's ``nodeGroupName``), for
    every cloud: a program using it in ``Output.concat`` gets a string, as after ``pulumi up``."""
    if desc.get("input") is not True or not desc.get("required") or desc.get("type") != "string":
        return False
    return wire == "name" or wire == res.kind[:1].lower() + res.kind[1:] + "Name"


_CHOSEN_WHEN_ABSENT = frozenset({"privateip", "privatedns", "availabilityzone"})
"""Arguments the service chooses when the program does not (an instance's private address and zone): filled,
as they carry no judgement a policy makes (unlike a key, a security group, a public address or a flag)."""


# -- what a service gives that no name pattern tells ---------------------------------------------------------

def _execute_api(res: _Res) -> str:
    """API Gateway: ``arn:aws:execute-api:region:account:api-id`` (a stage adds ``/stage``), as documented in
    https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html."""
    api = res.inputs.get("restApi") or res.inputs.get("apiId")
    stage = res.inputs.get("stageName") or res.inputs.get("name")
    if api:
        return f"arn:aws:execute-api:{res.region}:{ACCOUNT_ID}:{api}" + (f"/{stage}" if stage else "")
    return f"arn:aws:execute-api:{res.region}:{ACCOUNT_ID}:{res.rid}"


def _invoke_url(res: _Res) -> str:
    """``https://{api-id}.execute-api.{region}.amazonaws.com/{stage}``
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-call-api.html)."""
    api = res.inputs.get("restApi") or res.inputs.get("apiId") or res.rid
    stage = res.inputs.get("stageName") or (res.inputs.get("name") if res.module == "apigatewayv2" else "")
    return f"https://{api}.execute-api.{res.region}.amazonaws.com/{stage or ''}"


def _lambda_arn(res: _Res) -> str:
    arn = res.out.get("arn")
    return arn if isinstance(arn, str) else f"arn:aws:lambda:{res.region}:{ACCOUNT_ID}:function:{res.auto_name}"


def _lambda_version(res: _Res) -> str:
    return "1" if res.inputs.get("publish") else "$LATEST"


def _invoke_arn(res: _Res, qualified: bool = False) -> str:
    """What API Gateway integrations take as ``uri`` for a Lambda function:
    ``arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations``
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-custom-integrations.html)."""
    fn = _lambda_arn(res) + (f":{_lambda_version(res)}" if qualified else "")
    return f"arn:aws:apigateway:{res.region}:lambda:path/2015-03-31/functions/{fn}/invocations"


def _lambda_function_arn(res: _Res) -> str:
    return f"arn:aws:lambda:{res.region}:{ACCOUNT_ID}:function:{res.auto_name}"


def _appsync_uris(res: _Res) -> dict[str, str]:
    """``GRAPHQL`` and ``REALTIME`` endpoints (https://docs.aws.amazon.com/appsync/latest/devguide/
    real-time-websocket-client.html)."""
    api = res.h("uris", length=26)
    return {"GRAPHQL": f"https://{api}.appsync-api.{res.region}.amazonaws.com/graphql",
            "REALTIME": f"wss://{api}.appsync-realtime-api.{res.region}.amazonaws.com/graphql"}


def _k8s_service_status(res: _Res) -> dict[str, Any]:
    """A Service of type LoadBalancer gets the load balancer's host name once the cloud created it; other types
    have an empty ``loadBalancer`` (https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer)."""
    spec = res.inputs.get("spec") if isinstance(res.inputs.get("spec"), dict) else {}
    if spec.get("type") != "LoadBalancer":
        return {"loadBalancer": {}}
    return {"loadBalancer": {"ingress": [{"hostname": res.host(("status", "loadBalancer", "ingress", "hostname"))}]}}


def _k8s_ingress_status(res: _Res) -> dict[str, Any]:
    return {"loadBalancer": {"ingress": [{"hostname": res.host(("status", "loadBalancer", "ingress", "hostname"))}]}}


def _helm_status(res: _Res) -> dict[str, Any]:
    """What helm reports for a release it installed (pulumi_kubernetes ReleaseStatus)."""
    return {
        "name": res.inputs.get("name") or res.auto_name,
        "namespace": res.inputs.get("namespace") or "default",
        "chart": res.inputs.get("chart") or "",
        "version": res.inputs.get("version") or "0.1.0",
        "appVersion": res.inputs.get("version") or "0.1.0",
        "revision": 1,
        "status": "deployed",
    }


_SPECIAL: dict[tuple[str, str], Callable[[_Res], Any]] = {
    ("aws:kms/alias:Alias", "targetKeyArn"): lambda r: (
        str(r.inputs.get("targetKeyId")) if str(r.inputs.get("targetKeyId", "")).startswith("arn:")
        else f"arn:aws:kms:{r.region}:{ACCOUNT_ID}:key/{r.inputs.get('targetKeyId') or _uuid(r.type, r.name)}"),
    ("aws:apigateway/restApi:RestApi", "executionArn"): _execute_api,
    ("aws:apigateway/restApi:RestApi", "rootResourceId"): lambda r: r.h("root", length=10),
    ("aws:apigateway/stage:Stage", "executionArn"): _execute_api,
    ("aws:apigateway/stage:Stage", "invokeUrl"): _invoke_url,
    ("aws:apigateway/deployment:Deployment", "executionArn"): _execute_api,
    ("aws:apigateway/deployment:Deployment", "invokeUrl"): _invoke_url,
    ("aws:apigatewayv2/api:Api", "executionArn"): _execute_api,
    ("aws:apigatewayv2/api:Api", "apiEndpoint"): lambda r: f"https://{r.rid}.execute-api.{r.region}.amazonaws.com",
    ("aws:apigatewayv2/stage:Stage", "executionArn"): _execute_api,
    ("aws:apigatewayv2/stage:Stage", "invokeUrl"): _invoke_url,
    ("aws:lambda/function:Function", "invokeArn"): _invoke_arn,
    ("aws:lambda/function:Function", "qualifiedInvokeArn"): lambda r: _invoke_arn(r, qualified=True),
    ("aws:lambda/function:Function", "qualifiedArn"): lambda r: f"{_lambda_arn(r)}:{_lambda_version(r)}",
    ("aws:lambda/function:Function", "version"): _lambda_version,
    ("aws:lambda/alias:Alias", "invokeArn"): lambda r: (
        f"arn:aws:apigateway:{r.region}:lambda:path/2015-03-31/functions/{r.out.get('arn')}/invocations"),
    ("aws:lambda/functionUrl:FunctionUrl", "functionUrl"): lambda r: (
        f"https://{r.h('url', length=32)}.lambda-url.{r.region}.on.aws/"),
    ("aws:cloudfront/distribution:Distribution", "domainName"): lambda r: f"d{r.h('cf', length=13)}.cloudfront.net",
    # CloudFront's alias-target hosted zone (https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html)
    ("aws:cloudfront/distribution:Distribution", "hostedZoneId"): lambda r: "Z2FDTNDATAQYW2",
    ("aws:ecr/repository:Repository", "repositoryUrl"): lambda r: (
        f"{ACCOUNT_ID}.dkr.ecr.{r.region}.amazonaws.com/{r.inputs.get('name') or r.auto_name}"),
    ("aws:ecr/repository:Repository", "registryId"): lambda r: ACCOUNT_ID,
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-queue-message-identifiers.html
    ("aws:sqs/queue:Queue", "url"): lambda r: f"https://sqs.{r.region}.amazonaws.com/{ACCOUNT_ID}/{r.auto_name}",
    ("aws:s3/bucketV2:BucketV2", "websiteEndpoint"): lambda r: f"{r.rid}.s3-website.{r.region}.amazonaws.com",
    ("aws:s3/bucket:Bucket", "websiteEndpoint"): lambda r: f"{r.rid}.s3-website.{r.region}.amazonaws.com",
    ("aws:s3/bucketV2:BucketV2", "websiteDomain"): lambda r: f"s3-website.{r.region}.amazonaws.com",
    ("aws:s3/bucket:Bucket", "websiteDomain"): lambda r: f"s3-website.{r.region}.amazonaws.com",
}

_NESTED: dict[tuple[str, tuple[str, ...]], Callable[[_Res], Any]] = {
    ("aws:appsync/graphQLApi:GraphQLApi", ("uris",)): _appsync_uris,
    ("kubernetes:core/v1:Service", ("status",)): _k8s_service_status,
    ("kubernetes:networking.k8s.io/v1:Ingress", ("status",)): _k8s_ingress_status,
    ("kubernetes:helm.sh/v3:Release", ("status",)): _helm_status,
}
