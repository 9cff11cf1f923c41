"""The one configuration model of a Siaga stack, read from Pulumi config (``siaga:*`` keys).

Validated before any resource is registered. Every error is one line that names the key, the value
and what is allowed. Defaults give the compliant, highly available setup: a user who sets nothing
but the names gets 3 AZs in Jakarta, Multi-AZ database, daily + continuous backups, DNS failover.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

NAMESPACE = "siaga"
IN_COUNTRY_REGIONS = ("ap-southeast-3",)
"""AWS regions inside Indonesia (PP 71/2019). Jakarta is the only one."""
MIN_BACKUP_RETENTION_DAYS = 7
DOCUMENT_LANGUAGES = ("id", "en")
"""Languages of the documents siaga writes (``siaga:documentLanguage``): the same tuple as ``siaga.i18n.LANGUAGES``,
repeated because components never import siaga (tests/test_documents_id.py checks the two agree). Bahasa Indonesia
first: the language of official documents of government bodies (UU 24/2009 art. 27 and 33)."""
POSTGRES_MAJORS: dict[str, int] = {"14": 18, "15": 13, "16": 9, "17": 5}
"""RDS PostgreSQL majors under standard support -> the lowest minor new instances may still use. RDS stopped creating
instances on 14.14-14.17, 15.9-15.12, 16.1-16.8 and 17.1-17.4 on 1 May 2026 (then upgrades them). Release calendar:
https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html ; a major alone
("16") is accepted by the provider with auto minor upgrade on: "you can provide a prefix of the version"
(https://www.pulumi.com/registry/packages/aws/api-docs/rds/instance/)."""
_ACM_ARN = re.compile(r"arn:aws:acm:(?P<region>[a-z]{2}(-[a-z]+)+-\d):\d{12}:certificate/[0-9a-f-]{36}")
_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]\Z")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)\Z")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}\Z", re.IGNORECASE)
_NOT_PUBLIC = tuple(ipaddress.IPv4Network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4"))
"""Networks a deployer's address on the EKS public endpoint can never be in (private, shared, loopback,
link-local, multicast, reserved)."""
_EXAMPLE_NETS = tuple(ipaddress.IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
"""RFC 5737 documentation ranges: valid in an example stack, never a real deployer's address."""
_HEALTH_PATH = re.compile(r"^/[A-Za-z0-9._~/-]{0,254}\Z")
"""A health path: an absolute URL path of unreserved characters, at most 255 long (Route 53's ResourcePath limit,
https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html). It is written into nginx
config, Route 53, the ALB and command lines of ``siaga verify``: no spaces, quotes, ``;``, ``$`` or query."""


def health_path(value: str) -> str:
    """The one health-path validator (stack config, ``siaga verify`` targets)."""
    if not isinstance(value, str) or not _HEALTH_PATH.match(value):
        raise ValueError("allowed: a path starting with / of letters, digits and . _ ~ / - (at most 255 characters)")
    return value


def hostname(value: str) -> str:
    """The one DNS-name validator (stack config, ``siaga verify --domain``)."""
    return _hostname(value)


class ConfigError(ValueError):
    """Invalid stack configuration; ``str()`` is one line per problem."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError("allowed: 3-32 lowercase letters, digits and hyphens, starting with a letter")
    return value


def _hostname(value: str) -> str:
    name = value.rstrip(".").lower()
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels) \
            or labels[-1].isdigit():
        raise ValueError("allowed: a fully qualified domain name such as layanan.agency.go.id")
    return name


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _parent(domain: str) -> str:
    """The zone the stack creates for ``domain``: its parent (components/dns_failover.py parent_domain)."""
    return ".".join(domain.rstrip(".").lower().split(".")[1:])


def _in_zone(name: str, zone: str) -> bool:
    """``name`` is ``zone`` or below it (DNS names compare case-insensitively, trailing dot ignored)."""
    name, zone = name.rstrip(".").lower(), zone.rstrip(".").lower()
    return name == zone or name.endswith("." + zone)


def _private_cidr(value: str) -> ipaddress.IPv4Network:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError("allowed: an IPv4 network in CIDR form with no host bits set, e.g. 10.20.0.0/16") from None
    if not isinstance(net, ipaddress.IPv4Network):
        raise ValueError("allowed: an IPv4 network (IPv6 is added by AWS, not configured)")
    return net


class Tags(_Model):
    """Tags put on every resource (through the provider's default tags)."""

    owner: str = Field(min_length=1, description="Team or unit that owns the service.")
    costCentre: str = Field(min_length=1, description="Cost centre code (kode satker).")
    dataClassification: Literal["public", "internal", "confidential", "restricted"] = Field(
        default="confidential",
        description="Highest class of data the stack holds; confidential and restricted require customer-managed keys.",
    )
    extra: dict[str, str] = Field(default_factory=dict, description="Additional tags.")


_PHONE = re.compile(r"^\+?[0-9](?:[0-9 -]*[0-9])?\Z")


def _one_line(value: str) -> str:
    """Text a person wrote that the documents show in a table cell: one line, no control characters."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value) or not value.strip():
        raise ValueError("allowed: one line of text without control characters")
    return value.strip()


class Contact(_Model):
    """A person or team the DRP names: contacts are called in the order they are listed (the escalation order)."""

    name: str = Field(min_length=1)
    role: str = Field(default="incident response (TTIS)")
    email: str
    phone: str | None = Field(default=None, description="Phone the TTIS calls when e-mail or the network is down, "
                                                         "e.g. +62-21-1234-5678 (8-15 digits).")
    escalateAfterMinutes: int = Field(
        default=15, ge=1, le=240, description="Minutes without an answer before the next contact in the list is "
                                              "called (the list is the escalation order).")

    @field_validator("name", "role")
    @classmethod
    def _text(cls, v: str) -> str:
        return _one_line(v)

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        if not _EMAIL.match(v):
            raise ValueError("allowed: an e-mail address such as ttis@agency.go.id")
        return v

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        """ITU-T E.164: at most 15 digits; a national number is at least 8 in Indonesia (area code + subscriber)."""
        if v is None:
            return v
        digits = sum(c.isdigit() for c in v)
        if not _PHONE.match(v) or not 8 <= digits <= 15:
            raise ValueError("allowed: a phone number such as +62-21-1234-5678 (digits, spaces or hyphens, an "
                             "optional leading +, 8-15 digits)")
        return v


class DocumentControl(_Model):
    """Who owns and approves the generated documents (DRP, availability budget, residency evidence) and how often
    they are reviewed: the document control block every document opens with (siaga/documents/control.py)."""

    agencyName: str | None = Field(default=None, max_length=200, description="The agency's full official name, e.g. "
                                   "Badan Pendapatan Daerah Provinsi Sumatera Barat [unset: the documents say NOT SET].")
    owner: str | None = Field(default=None, description="Unit or official owning the documents [unset: tags.owner].")
    approver: str | None = Field(default=None, description="Official who approves them (name and position); the "
                                                           "documents say NOT SET until it is given.")
    reviewMonths: int = Field(default=12, ge=1, le=36, description="Review cycle in months (default 12; and after "
                                                                   "every drill or incident).")

    @field_validator("agencyName", "owner", "approver")
    @classmethod
    def _text(cls, v: str | None) -> str | None:
        return None if v is None else _one_line(v)


PITR_LOG_UPLOAD_SECONDS = 300
"""RDS uploads transaction logs every 5 minutes (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIT.html):
the in-region point-in-time RPO. The region-loss RPO defaults to the same figure, so losing the whole site costs no
more data than restoring in place."""
_SECRET_ARN = re.compile(r"arn:aws:secretsmanager:(?P<region>[a-z]{2}(-[a-z]+)+-\d):\d{12}:secret:[\w/+=.@-]{1,512}")
_KMS_ARN = re.compile(r"arn:aws:kms:(?P<region>[a-z]{2}(-[a-z]+)+-\d):\d{12}:key/[0-9a-f-]{36}")
DMS_INSTANCE_CLASS = re.compile(r"dms\.(t3|c5|c6i|c7i|r5|r6i|r7i)\.(micro|small|medium|large|\d*xlarge)")
"""DMS replication instance classes (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_ReplicationInstance.Types.html);
which of them ap-southeast-3 offers: ``aws dms describe-orderable-replication-instances --region ap-southeast-3``."""


class StandbyDatabase(_Model):
    """The standby's own PostgreSQL (on-prem, in the national or agency data centre) and how the primary's database
    reaches it: AWS DMS full load + CDC (components/replication.py) over the site-to-site VPN or Direct Connect."""

    replication: Literal["dms", "none"] = Field(
        default="dms", description="dms: continuous replication with AWS DMS; none: nothing replicates (reason required).")
    reason: str | None = Field(default=None, description="Why replication is none (one line, shown in the DRP).")
    address: str | None = Field(default=None, description="Private IPv4 of the standby PostgreSQL, inside standby.networks.")
    port: int = Field(default=5432, ge=1, le=65535)
    name: str = Field(default="app", description="Database name on the standby.")
    schema_name: str = Field(default="public", alias="schema",
                             description="Schema replicated (DMS table mapping: every table of it).")
    secretArn: str | None = Field(
        default=None, description="Secrets Manager secret with the standby's replication user (username, password, host, "
                                  "port as DMS expects) in the stack's region; required with replication dms.")
    secretKmsKeyArn: str | None = Field(default=None, description="KMS key of secretArn [unset: the stack's secrets key].")
    sourceSecretArn: str | None = Field(
        default=None, description="Secret of the replication user on the stack's RDS [unset: the stack creates an "
                                  "empty secret <prefix>-dms-source for the DBA to fill].")
    sslMode: Literal["require", "verify-full"] = Field(
        default="require", description="TLS to the standby: require (encrypted) or verify-full (needs caCertificatePem).")
    caCertificatePem: str | None = Field(default=None, description="CA of the standby's server certificate (verify-full).")
    rpoSeconds: int = Field(
        default=PITR_LOG_UPLOAD_SECONDS, ge=10, le=86400,
        description="Region-loss RPO: the CDC latency alarm threshold (default 300 s = the in-region PITR RPO).")
    instanceClass: str = Field(default="dms.c5.large", description="DMS replication instance class (Multi-AZ).")
    allocatedStorageGiB: int = Field(default=50, ge=5, le=6144)
    dmsVpcRole: Literal["create", "existing"] = Field(
        default="create", description="create: the stack creates the account's dms-vpc-role; existing: another stack "
                                      "of the account already has it.")

    @field_validator("address")
    @classmethod
    def _address(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            ip = ipaddress.ip_address(v)
        except ValueError:
            raise ValueError("allowed: the private IPv4 address of the standby PostgreSQL, e.g. 10.50.10.5") from None
        if ip.version != 4 or not ip.is_private or ip.is_loopback:
            raise ValueError("allowed: a private IPv4 address inside standby.networks, e.g. 10.50.10.5")
        return v

    @field_validator("secretArn", "sourceSecretArn")
    @classmethod
    def _secret(cls, v: str | None) -> str | None:
        if v is not None and not _SECRET_ARN.fullmatch(v):
            raise ValueError("allowed: a Secrets Manager secret ARN such as "
                             "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:NAME-AbCdEf")
        return v

    @field_validator("secretKmsKeyArn")
    @classmethod
    def _kms(cls, v: str | None) -> str | None:
        if v is not None and not _KMS_ARN.fullmatch(v):
            raise ValueError("allowed: a KMS key ARN such as arn:aws:kms:ap-southeast-3:123456789012:key/<uuid>")
        return v

    @field_validator("instanceClass")
    @classmethod
    def _class(cls, v: str) -> str:
        if not DMS_INSTANCE_CLASS.fullmatch(v):
            raise ValueError("allowed: a DMS replication instance class such as dms.c5.large or dms.r6i.large")
        return v

    @field_validator("name", "schema_name")
    @classmethod
    def _ident(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", v):
            raise ValueError("allowed: a PostgreSQL identifier (lowercase letters, digits, _; at most 63)")
        return v

    @model_validator(mode="after")
    def _complete(self) -> StandbyDatabase:
        if self.replication == "none":
            if not self.reason or not self.reason.strip():
                raise ValueError("standby.database.reason: not set while replication is 'none'; allowed: one line "
                                 "saying why the standby gets no copy of the database (shown in the DRP)")
            return self
        missing = [k for k in ("address", "secretArn") if getattr(self, k) is None]
        if missing:
            raise ValueError(f"standby.database.{missing[0]}: not set while replication is 'dms'; allowed: "
                             + ("the standby PostgreSQL's private IPv4 inside standby.networks"
                                if missing[0] == "address" else
                                "the ARN of the secret with the standby replication user") +
                             ", or replication: none with a reason")
        if self.sslMode == "verify-full" and not self.caCertificatePem:
            raise ValueError("standby.database.caCertificatePem: not set while sslMode is 'verify-full'; allowed: the "
                             "PEM of the CA that signed the standby's server certificate, or sslMode: require")
        return self


class Standby(_Model):
    """The in-country standby site DNS fails over to (on-prem cluster or static maintenance site)."""

    kind: Literal["onprem", "static-site"] = "onprem"
    address: str = Field(description="Public IPv4 address or hostname of the standby's TLS endpoint.")
    port: int = Field(default=443, ge=1, le=65535)
    healthCheckPath: str = "/healthz"
    networks: list[str] = Field(default_factory=list, description="On-prem CIDRs (must not overlap the VPC).")
    vpn: bool = Field(default=False, description="Build a redundant site-to-site VPN (two tunnels) to the data centre.")
    customerGatewayIp: str | None = Field(default=None, description="The data centre's VPN device public IPv4.")
    directConnect: bool = Field(
        default=False, description="The data centre is reached over Direct Connect built outside this stack (its "
                                   "routes cover standby.networks): replication may use it instead of the VPN.")
    database: StandbyDatabase | None = Field(
        default=None, description="The standby's PostgreSQL and the replication to it (unset: none, said at config time).")
    availabilityPercent: float = Field(
        default=99.5, gt=0, lt=100, description="Declared availability of the standby site (the data centre's own "
                                                "commitment): a parallel site in the availability budget.")
    failoversPerYear: int = Field(
        default=4, ge=0, le=365, description="Whole-site failovers a year the budget counts, each at the DNS failover "
                                             "worst case of downtime (drills included).")
    addressIps: list[str] = Field(
        default_factory=list,
        description="Public IPv4s of the standby's ingress: the stack answers standby.address with an A record in its "
                    "own zone (required when standby.address is a name inside that zone, which nothing else answers).")

    @field_validator("address")
    @classmethod
    def _address(cls, v: str) -> str:
        try:
            ip = ipaddress.ip_address(v)
        except ValueError:
            return _hostname(v)
        if ip.version != 4 or ip.is_private or ip.is_loopback or ip.is_unspecified:
            raise ValueError("allowed: a public IPv4 address or a hostname reachable by Route 53 health checkers")
        return v

    @field_validator("networks")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        for item in v:
            _private_cidr(item)
        return v

    @field_validator("addressIps")
    @classmethod
    def _address_ips(cls, v: list[str]) -> list[str]:
        for item in v:
            try:
                ip = ipaddress.ip_address(item)
            except ValueError:
                raise ValueError(f"{item!r} is not an IPv4 address; allowed: public IPv4s such as 198.51.100.30") from None
            example = ip.version == 4 and any(ip in n for n in _EXAMPLE_NETS)  # RFC 5737, reference stacks
            if ip.version != 4 or (ip.is_private and not example) or ip.is_loopback or ip.is_unspecified:
                raise ValueError(f"{item!r}; allowed: public IPv4s Route 53 health checkers can reach")
        return v

    @field_validator("healthCheckPath")
    @classmethod
    def _path(cls, v: str) -> str:
        return health_path(v)

    @model_validator(mode="after")
    def _vpn(self) -> Standby:
        if self.vpn and not self.customerGatewayIp:
            raise ValueError("standby.customerGatewayIp: not set while standby.vpn is true; allowed: the data centre VPN device's public IPv4")
        db = self.database
        if db is not None and db.replication == "dms":
            if self.kind == "static-site":
                raise ValueError("standby.database.replication: 'dms' while standby.kind is 'static-site' (a "
                                 "maintenance site has no database); allowed: kind onprem, or replication: none")
            addr = ipaddress.ip_address(db.address or "")
            if not any(addr in ipaddress.ip_network(n) for n in self.networks):
                raise ValueError(f"standby.database.address: {db.address} is outside standby.networks "
                                 f"{self.networks}; allowed: an address inside them (the VPN routes only those)")
            if not (self.vpn or self.directConnect):
                raise ValueError("standby.database.replication: 'dms' needs a private path to standby.networks; "
                                 "allowed: standby.vpn: true (with customerGatewayIp), standby.directConnect: true, "
                                 "or replication: none with a reason")
        return self

    @property
    def replication_gap(self) -> str | None:
        """One line when nothing replicates the database to an on-prem standby (said at config time, in the DRP)."""
        if self.kind != "onprem":
            return None
        if self.database is None:
            return ("siaga:standby.database: not set: nothing replicates the database to the standby, which then serves "
                    "without current data (region-loss RPO not covered); set {address, secretArn} inside "
                    "standby.networks, or {replication: none, reason: ...}")
        if self.database.replication == "none":
            return f"siaga:standby.database.replication: none ({self.database.reason})"
        return None


class Cluster(_Model):
    """The load-balanced, auto-scaled application tier."""

    instanceType: str = "t3.medium"
    minPerAz: int = Field(default=1, ge=1, le=20, description="Instances per AZ at least (a floor under the N+1 sizing).")
    minCapacity: int = Field(default=2, ge=1, le=200,
                             description="Instances the service needs to carry its load. The group keeps "
                                         "ceil(minCapacity / (azCount - 1)) per AZ, so losing one AZ keeps them all.")
    bootSeconds: int = Field(default=600, ge=60, le=3600,
                             description="Assumed time from launch to a healthy target (boot + host baseline + app start "
                                         "+ health checks): how long replacements take after an AZ loss.")
    maxSize: int = Field(default=12, ge=2, le=200)
    targetCpuPercent: int = Field(default=50, ge=10, le=90)
    appPort: int = Field(default=8080, ge=1024, le=65535)
    healthCheckPath: str = "/healthz"
    allowedCidrs: list[str] = Field(default_factory=lambda: ["0.0.0.0/0"], description="Who may reach the ALB (HTTPS).")
    rootVolumeGiB: int = Field(default=30, ge=8, le=1000)
    certificateArn: str | None = Field(default=None, description="Existing/imported ACM certificate for the HTTPS "
                                                                 "listener (none is created); unset: a DNS-validated "
                                                                 "certificate is created in the stack's hosted zone.")
    autoscalingRoleArn: str | None = Field(
        default=None, description="Existing EC2 Auto Scaling service-linked role for the ASG and the ebs key; unset: "
                                  "the stack creates AWSServiceRoleForAutoScaling_<namePrefix>.")

    @field_validator("autoscalingRoleArn")
    @classmethod
    def _asg_role(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"arn:aws:iam::\d{12}:role/aws-service-role/autoscaling\.amazonaws\.com/"
                                              r"AWSServiceRoleForAutoScaling(_[\w+=,.@-]{1,35})?", v):
            raise ValueError("allowed: an EC2 Auto Scaling service-linked role ARN, e.g. arn:aws:iam::123456789012:role/"
                             "aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")
        return v

    @field_validator("healthCheckPath")
    @classmethod
    def _path(cls, v: str) -> str:
        return health_path(v)

    @field_validator("allowedCidrs")
    @classmethod
    def _cidrs(cls, v: list[str]) -> list[str]:
        for item in v:
            try:
                ipaddress.ip_network(item, strict=True)
            except ValueError:
                raise ValueError(f"{item!r} is not a CIDR; allowed: networks such as 0.0.0.0/0 or 203.0.113.0/24") from None
        return v

    @field_validator("certificateArn")
    @classmethod
    def _certificate(cls, v: str | None) -> str | None:
        if v is not None and not _ACM_ARN.fullmatch(v):
            raise ValueError("allowed: an ACM certificate ARN such as "
                             "arn:aws:acm:ap-southeast-3:123456789012:certificate/<uuid>")
        return v

    def sizing(self, az_count: int) -> AzSizing:
        """N+1 per AZ: enough instances per AZ that the AZs left after losing one still hold ``minCapacity``."""
        return AzSizing.of(az_count=az_count, required=self.minCapacity, min_per_az=self.minPerAz,
                           boot_seconds=self.bootSeconds)


@dataclass(frozen=True)
class AzSizing:
    """The application tier's size and what is left after losing one AZ.

    An Auto Scaling group balances instances across its AZs but guarantees no per-AZ minimum; after an AZ is lost it
    launches replacements in the remaining AZs (balanced best effort), which takes ``boot_seconds``
    (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-availability-zone-balanced.html,
    AZRebalance: https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html).
    So the capacity that survives the loss is what already runs in the other AZs: ``min_size`` minus the largest
    AZ's share, ceil(min_size / az_count).
    """

    az_count: int
    per_az: int
    min_size: int
    required: int | None
    boot_seconds: int | None
    unit: str = "instances"

    @classmethod
    def of(cls, *, az_count: int, required: int, min_per_az: int = 1, boot_seconds: int | None = None) -> AzSizing:
        per_az = max(min_per_az, -(-required // max(az_count - 1, 1)))
        return cls(az_count=az_count, per_az=per_az, min_size=per_az * az_count, required=required,
                   boot_seconds=boot_seconds)

    @classmethod
    def observed(cls, *, min_size: int, az_count: int, required: int | None = None,
                 boot_seconds: int | None = None, unit: str = "instances") -> AzSizing:
        """From a deployed group's minSize and AZ count (the graph), not from the config's intent."""
        return cls(az_count=az_count, per_az=min_size // az_count if az_count else 0, min_size=min_size,
                   required=required, boot_seconds=boot_seconds, unit=unit)

    @property
    def surviving(self) -> int:
        """Instances left serving right after the loss of the AZ with the most instances."""
        if self.az_count < 2:
            return 0
        return self.min_size - -(-self.min_size // self.az_count)

    @property
    def full_capacity_kept(self) -> bool | None:
        return None if self.required is None else self.surviving >= self.required

    def as_output(self) -> dict[str, object]:
        return {"azCount": self.az_count, "minSize": self.min_size, "perAzMinimum": self.per_az,
                "requiredInstances": self.required, "instancesAfterAzLoss": self.surviving,
                "fullCapacityAfterAzLoss": self.full_capacity_kept, "replacementBootSeconds": self.boot_seconds}

    def describe(self) -> str:
        """One sentence for the DRP and the availability budget."""
        others = self.az_count - 1
        left = (f"{self.surviving} of {self.min_size} {self.unit} keep serving in the other {others} "
                f"AZ{'s' if others != 1 else ''}")
        if self.required is None:
            return f"{left}; the group launches replacements in the remaining AZs."
        boot = f"~{self.boot_seconds / 60:.0f} min" if self.boot_seconds else "their boot time"
        if self.full_capacity_kept:
            return (f"{left} >= the {self.required} the service needs (N+1 per AZ: {self.per_az} per AZ): full "
                    f"capacity with no wait; the group also launches replacements (assumed boot {boot}).")
        return (f"{left}, below the {self.required} the service needs ({self.surviving * 100 // self.required} % "
                f"capacity) for {boot} until replacements launched in the remaining AZs are healthy.")


ASSUMED_RESTORE_MINUTES = (30, 120)
"""The database restore range the DRP states until the agency has measured it (``database.restoreMinutes``): an
ASSUMPTION, said as such. AWS publishes no restore time for RDS: it grows with the data and, for a point-in-time
restore, with the transaction logs replayed since the snapshot
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIT.html); AWS Backup restore testing measures it
(https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html)."""


class Database(_Model):
    """RDS PostgreSQL, Multi-AZ, encrypted, backed up."""

    mode: Literal["multi-az-instance", "multi-az-cluster"] = "multi-az-instance"
    engineVersion: str = Field(default="16", description="PostgreSQL major (RDS picks its current default minor and "
                                                         "auto minor upgrade keeps it current, no drift), or "
                                                         "MAJOR.MINOR with autoMinorVersionUpgrade false.")
    autoMinorVersionUpgrade: bool = True
    instanceClass: str = "db.m6g.large"
    allocatedStorageGiB: int = Field(default=100, ge=20, le=65536)
    maxAllocatedStorageGiB: int = Field(default=1000, ge=20, le=65536)
    backupRetentionDays: int = Field(default=14, description="Automated backups + PITR window (7-35 days).")
    name: str = "app"
    port: int = Field(default=5432, ge=1024, le=65535)
    restoreMinutes: list[int] | None = Field(
        default=None, description="Measured time to restore the database from a recovery point, [fastest, slowest] "
                                  "minutes, from the restore-testing plan's jobs [unset: the DRP states the assumed "
                                  "range ASSUMED_RESTORE_MINUTES, marked as an assumption].")

    @field_validator("restoreMinutes")
    @classmethod
    def _restore(cls, v: list[int] | None) -> list[int] | None:
        if v is not None and (len(v) != 2 or not 1 <= v[0] <= v[1] <= 10080):
            raise ValueError("allowed: [fastest, slowest] minutes, 1 <= fastest <= slowest <= 10080, e.g. [25, 90]")
        return v

    @field_validator("backupRetentionDays")
    @classmethod
    def _retention(cls, v: int) -> int:
        if not MIN_BACKUP_RETENTION_DAYS <= v <= 35:
            raise ValueError(f"allowed: {MIN_BACKUP_RETENTION_DAYS} to 35 days (never under {MIN_BACKUP_RETENTION_DAYS})")
        return v

    @model_validator(mode="after")
    def _version(self) -> Database:
        major, _, minor = self.engineVersion.partition(".")
        allowed = (f"allowed: a major of {list(POSTGRES_MAJORS)} (recommended), or MAJOR.MINOR at or above "
                   f"{', '.join(f'{m}.{n}' for m, n in POSTGRES_MAJORS.items())} with autoMinorVersionUpgrade false")
        if major not in POSTGRES_MAJORS or (minor and not minor.isdigit()):
            raise ValueError(f"database.engineVersion: {self.engineVersion!r} is not a supported RDS PostgreSQL "
                             f"version; {allowed}")
        if minor and int(minor) < POSTGRES_MAJORS[major]:
            raise ValueError(f"database.engineVersion: {self.engineVersion!r} can no longer be used for new RDS "
                             f"instances; {allowed}")
        if minor and self.autoMinorVersionUpgrade:
            raise ValueError(f"database.engineVersion: {self.engineVersion!r} pins a minor while "
                             "autoMinorVersionUpgrade is true (RDS upgrades it and every `up` drifts back); "
                             f"{allowed}")
        return self

    @property
    def major_version(self) -> str:
        return self.engineVersion.partition(".")[0]

    @model_validator(mode="after")
    def _storage(self) -> Database:
        if self.maxAllocatedStorageGiB < self.allocatedStorageGiB:
            raise ValueError(f"database.maxAllocatedStorageGiB: {self.maxAllocatedStorageGiB} is below allocatedStorageGiB "
                             f"{self.allocatedStorageGiB}; allowed: >= allocatedStorageGiB")
        return self


_ROLE_ARN = re.compile(r"arn:aws:iam::(?P<account>\d{12}):role/[\w+=,.@/-]{1,512}")


class IsolatedAccount(_Model):
    """The agency's separate backup account: every backup rule also copies there (components/backup_account.py)."""

    accountId: str = Field(description="12-digit id of the backup account (same AWS Organization, not this account).")
    roleArn: str = Field(description="Role in that account the stack's second provider assumes to build the vault.")

    @field_validator("accountId")
    @classmethod
    def _account(cls, v: str) -> str:
        if not re.fullmatch(r"\d{12}", str(v)):
            raise ValueError("allowed: a 12-digit AWS account id, e.g. 111122223333 (quote it in YAML)")
        return str(v)

    @field_validator("roleArn")
    @classmethod
    def _role(cls, v: str) -> str:
        if not _ROLE_ARN.fullmatch(v):
            raise ValueError("allowed: an IAM role ARN such as arn:aws:iam::111122223333:role/siaga-backup-deployer")
        return v

    @model_validator(mode="after")
    def _same_account(self) -> IsolatedAccount:
        role_account = self.roleArn.split(":")[4]
        if role_account != self.accountId:
            raise ValueError(f"backup.isolatedAccount.roleArn: {self.roleArn!r} is in account {role_account}; "
                             f"allowed: a role of the backup account {self.accountId}")
        return self


class KeyGuard(_Model):
    """Key policies deny destroying a key (ScheduleKeyDeletion, DisableKey, policy changes) to all but one role."""

    enabled: bool | None = Field(default=None, description="Default: true in prod, false in staging/dev (keys of "
                                                           "non-production stacks must stay deletable).")
    breakGlassRoleArn: str | None = Field(
        default=None, description="The only principal allowed to delete/disable keys or change key policies; unset: "
                                  "the account's root user (never deletable, so the keys can never be locked out).")

    @field_validator("breakGlassRoleArn")
    @classmethod
    def _role(cls, v: str | None) -> str | None:
        if v is not None and not _ROLE_ARN.fullmatch(v):
            raise ValueError("allowed: an IAM role ARN such as arn:aws:iam::123456789012:role/contoh-break-glass")
        return v


class Backup(_Model):
    """AWS Backup plan and vault lock."""

    dailySchedule: str = Field(default="cron(0 17 * * ? *)", description="00:00 WIB (17:00 UTC).")
    dailyRetentionDays: int = Field(default=35)
    monthlyRetentionDays: int = Field(default=365)
    continuous: bool = Field(default=True, description="Continuous backup (PITR) where the service supports it.")
    lockMinRetentionDays: int = Field(default=7, description="Vault lock minimum retention.")
    lockMaxRetentionDays: int = Field(default=3650)
    lockChangeableForDays: int = Field(default=3, ge=3, description="Cooling-off before the lock becomes immutable (compliance mode).")
    copyToVaultArn: str | None = Field(default=None, description="Second, in-country vault to copy recovery points to.")
    restoreTesting: bool = True
    isolatedAccount: IsolatedAccount | None = Field(
        default=None, description="Separate backup account every rule copies to (vault with that account's key, "
                                  "compliance lock in prod); unset: no copy leaves this account (said in one line).")

    @field_validator("dailyRetentionDays", "monthlyRetentionDays", "lockMinRetentionDays")
    @classmethod
    def _retention(cls, v: int) -> int:
        if v < MIN_BACKUP_RETENTION_DAYS:
            raise ValueError(f"allowed: at least {MIN_BACKUP_RETENTION_DAYS} days")
        return v

    @field_validator("dailySchedule")
    @classmethod
    def _cron(cls, v: str) -> str:
        if not re.fullmatch(r"cron\((\S+ ){5}\S+\)", v):
            raise ValueError("allowed: an AWS cron expression with six fields, e.g. cron(0 17 * * ? *)")
        return v

    @model_validator(mode="after")
    def _lock(self) -> Backup:
        if self.lockMaxRetentionDays < self.lockMinRetentionDays:
            raise ValueError(f"backup.lockMaxRetentionDays: {self.lockMaxRetentionDays} is below lockMinRetentionDays; allowed: >= "
                             f"{self.lockMinRetentionDays}")
        for name in ("dailyRetentionDays", "monthlyRetentionDays"):
            value = getattr(self, name)
            if not self.lockMinRetentionDays <= value <= self.lockMaxRetentionDays:
                raise ValueError(f"backup.{name}: {value} is outside the vault lock; allowed: "
                                 f"{self.lockMinRetentionDays}-{self.lockMaxRetentionDays} days")
        return self


class Kubernetes(_Model):
    """The application on Kubernetes (platform: eks): EKS in Jakarta as primary, an on-prem cluster as standby."""

    version: str = Field(default="1.33", description="EKS Kubernetes minor version.")
    image: str = Field(description="Container image, pinned by digest or immutable tag.")
    replicas: int = Field(default=3, description="Pods at least (HPA minimum); 3 = one per AZ; never under 2.")
    maxReplicas: int = Field(default=12, le=500)
    namespace: str = "app"
    cpuRequest: str = "250m"
    memoryRequest: str = "256Mi"
    cpuLimit: str = "1"
    memoryLimit: str = "512Mi"
    nodeInstanceTypes: list[str] = Field(default_factory=lambda: ["m6i.large"], min_length=1)
    nodesPerAz: int = Field(default=1, ge=1, le=50, description="Nodes per AZ at least (one managed node group per AZ).")
    maxNodesPerAz: int = Field(default=3, ge=1, le=100)
    nodeVolumeGiB: int = Field(default=50, ge=20, le=1000)
    publicAccessCidrs: list[str] = Field(default_factory=list,
                                         description="Empty: private API endpoint only. Never 0.0.0.0/0.")
    deployerCidrs: list[str] = Field(
        default_factory=list,
        description="Public CIDRs `pulumi up` runs from (the runner's egress/NAT address): the EKS public endpoint "
                    "is opened to these only. Empty: the endpoint stays private and deployerInsideVpc must be true.")
    deployerInsideVpc: bool = Field(
        default=False,
        description="`pulumi up` runs inside the VPC (CodeBuild project or EC2 runner in the private subnets), "
                    "so it reaches the private endpoint.")
    adminRoleArns: list[str] = Field(default_factory=list, description="IAM roles given cluster admin (access entries).")
    ingressClass: str = Field(default="alb", description="Ingress class on EKS (AWS Load Balancer Controller).")
    standbyIngressClass: str = Field(default="nginx", description="Ingress class on the on-prem cluster.")
    standbyIngressNamespace: str = Field(default="ingress-nginx", description="Where the on-prem ingress controller runs.")
    tlsSecretName: str = Field(default="tls", description="TLS secret in the namespace (on-prem ingress certificate).")
    standbyKubeconfigKey: str = Field(default="standby:kubeconfig",
                                      description="Secret Pulumi config key holding the on-prem cluster's kubeconfig.")

    @field_validator("version")
    @classmethod
    def _version(cls, v: str) -> str:
        if not re.fullmatch(r"1\.\d{2}", v):
            raise ValueError("allowed: a Kubernetes minor version such as 1.33")
        return v

    @field_validator("image")
    @classmethod
    def _image(cls, v: str) -> str:
        if not v or any(c.isspace() for c in v) or v.endswith(":latest"):
            raise ValueError("allowed: an image reference pinned by digest or tag (not :latest), e.g. registry/app@sha256:...")
        return v

    @field_validator("replicas")
    @classmethod
    def _replicas(cls, v: int) -> int:
        if v < 2:
            raise ValueError("allowed: at least 2 (default 3, one per AZ); one pod is not highly available")
        return v

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, v: str) -> str:
        if not _HOST_LABEL.match(v):
            raise ValueError("allowed: a DNS label (lowercase letters, digits, hyphens)")
        return v

    @field_validator("publicAccessCidrs")
    @classmethod
    def _public(cls, v: list[str]) -> list[str]:
        for item in v:
            if ipaddress.ip_network(item, strict=False).prefixlen == 0:
                raise ValueError(f"{item!r} opens the Kubernetes API to the internet; allowed: the agency's own CIDRs, or []")
            _private_cidr(item)
        return v

    @field_validator("deployerCidrs")
    @classmethod
    def _deployers(cls, v: list[str]) -> list[str]:
        for item in v:
            try:
                net = _private_cidr(item)
            except ValueError:
                raise ValueError(f"{item!r} is not an IPv4 CIDR; allowed: the deployer's public egress, e.g. "
                                 "203.0.113.10/32") from None
            if net.prefixlen == 0:
                raise ValueError(f"{item!r} opens the Kubernetes API to the internet; allowed: the deployer's own "
                                 "public CIDRs, e.g. 203.0.113.10/32")
            if any(net.overlaps(n) for n in _NOT_PUBLIC):
                raise ValueError(f"{item!r} is not a public network: the public endpoint sees the deployer's public "
                                 "(NAT) address, and in-VPC deployers use deployerInsideVpc; allowed: public CIDRs "
                                 "such as 203.0.113.10/32")
        return v

    @field_validator("adminRoleArns")
    @classmethod
    def _arns(cls, v: list[str]) -> list[str]:
        for item in v:
            if not re.fullmatch(r"arn:aws:iam::\d{12}:(role|user)/[\w+=,.@/-]+", item):
                raise ValueError(f"{item!r} is not an IAM role or user ARN; allowed: arn:aws:iam::123456789012:role/NAME")
        return v

    @field_validator("standbyKubeconfigKey")
    @classmethod
    def _key(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z][\w-]*:[A-Za-z][\w-]*", v) or v.startswith(NAMESPACE + ":"):
            raise ValueError(f"allowed: a secret config key outside the {NAMESPACE}: namespace, e.g. standby:kubeconfig")
        return v

    @property
    def example_deployer_cidrs(self) -> list[str]:
        """deployerCidrs still set to a documentation example (RFC 5737): pulumi up from a real host would time out."""
        return [c for c in self.deployerCidrs if any(ipaddress.IPv4Network(c).subnet_of(n) for n in _EXAMPLE_NETS)]

    @model_validator(mode="after")
    def _sizes(self) -> Kubernetes:
        if self.maxReplicas < self.replicas:
            raise ValueError(f"kubernetes.maxReplicas: {self.maxReplicas} is below replicas {self.replicas}; allowed: >= "
                             f"{self.replicas}")
        if self.maxNodesPerAz < self.nodesPerAz:
            raise ValueError(f"kubernetes.maxNodesPerAz: {self.maxNodesPerAz} is below nodesPerAz {self.nodesPerAz}; "
                             f"allowed: >= {self.nodesPerAz}")
        if not self.deployerCidrs and not self.deployerInsideVpc:
            # Kubernetes objects are created through the EKS API endpoint: a private-only endpoint is reachable
            # from inside the VPC only, so `pulumi up` from anywhere else times out
            raise ValueError("kubernetes.deployerCidrs: [] and deployerInsideVpc: false leave no way for pulumi up to "
                             "reach the private EKS API endpoint; allowed: the deployer's public CIDRs "
                             "(e.g. [203.0.113.10/32]) or deployerInsideVpc: true with a runner in the private subnets")
        return self


class GuardDuty(_Model):
    """Amazon GuardDuty: one detector per account and region, often managed by the organisation."""

    mode: Literal["existing", "create", "off"] = Field(
        default="existing", description="existing: the account's detector is managed outside this stack (organisation "
                                        "or another stack), nothing is created; create: this stack creates it; off.")
    detectorId: str | None = Field(default=None, description="Id of the existing detector (recorded in the Monitoring component's outputs).")

    @field_validator("detectorId")
    @classmethod
    def _detector(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[a-z0-9]{1,300}", v):
            raise ValueError("allowed: a GuardDuty detector id (lowercase letters and digits)")
        return v

    @model_validator(mode="after")
    def _mode(self) -> GuardDuty:
        if self.detectorId is not None and self.mode != "existing":
            raise ValueError(f"guardDuty.detectorId: set while mode is {self.mode!r}; allowed: detectorId only with "
                             "mode 'existing' (with 'create' the stack's own detector is used)")
        return self


class Dns(_Model):
    """Route 53 failover between the primary (ALB) and the standby."""

    hostedZoneId: str | None = Field(default=None, description="Existing public hosted zone; created if unset.")
    healthCheckIntervalSeconds: Literal[10, 30] = 10
    failureThreshold: int = Field(default=3, ge=1, le=10)
    ttlSeconds: int = Field(default=60, ge=5, le=300)

    @field_validator("hostedZoneId")
    @classmethod
    def _zone_id(cls, v: str | None) -> str | None:
        # Route 53 hosted zone ids: "Z" + up to 31 upper-case letters/digits (HostedZone.Id without "/hostedzone/",
        # at most 32 characters: https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZone.html)
        if v is not None and not re.fullmatch(r"Z[A-Z0-9]{1,31}", v):
            raise ValueError("allowed: a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ (without /hostedzone/)")
        return v


class Waf(_Model):
    """AWS WAF web ACL on every internet-facing ALB (AWS managed rule groups + a per-IP rate limit)."""

    enabled: bool = True
    rateLimit: int = Field(default=2000, ge=10, le=2_000_000_000,
                           description="Requests per 5 minutes from one IP before it is blocked (WAF: 10 to 2e9).")


class Detection(_Model):
    """TTIS detection (components/detection.py): GuardDuty plans, Security Hub + Config, Inspector, finding routes.

    Singleton modes as guardDuty.mode: existing (default: enabled by the organisation / another stack, nothing
    singleton created, so `pulumi up` works in an organisation-managed account), create (this stack owns it), off."""

    enabled: bool | None = Field(default=None, description="Default: on in production (environment prod), off "
                                                           "otherwise; an explicit value wins.")
    guardDutyFeatures: bool = Field(default=True, description="GuardDuty protection plans on the detector.")
    securityHub: Literal["existing", "create", "off"] = "existing"
    standards: list[Literal["nist-800-53", "aws-foundational"]] = Field(
        default_factory=lambda: ["nist-800-53", "aws-foundational"],
        description="Security Hub standards subscribed; [] when the organisation's central configuration owns them.")
    config: Literal["existing", "create", "off"] = Field(default="existing", description="AWS Config recorder.")
    inspector: Literal["existing", "create", "off"] = Field(default="existing", description="Inspector EC2 + ECR.")
    findingRoutes: bool = Field(default=True, description="EventBridge rules: findings to the incident topic.")
    guardDutyMinSeverity: float = Field(default=4, ge=1, le=9, description="Lowest GuardDuty severity routed "
                                                                           "(low 1, medium 4, high 7, critical 9).")
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)


class Drills(_Model):
    """AWS FIS experiment templates for ``siaga drill`` (components/drills.py): lose one instance (on EKS: one node),
    lose one AZ; EC2 tier and EKS."""

    enabled: bool = True
    faultMinutes: int = Field(default=5, ge=1, le=60,
                              description="How long the AZ-loss drill cuts its subnets' connectivity (FIS: 1 min-12 h).")
    logRetentionDays: int = Field(default=365, description="Retention of the FIS experiment log group (days).")

    @field_validator("logRetentionDays")
    @classmethod
    def _retention(cls, v: int) -> int:
        # PutRetentionPolicy accepts only these values:
        # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
        if v not in LOG_RETENTION_DAYS:
            raise ValueError(f"allowed: {', '.join(map(str, LOG_RETENTION_DAYS))} (CloudWatch Logs retention values)")
        return v


class StackConfig(_Model):
    """Everything a stack can set under ``siaga:``. Keys are camelCase, as in the stack YAML."""

    agency: str = Field(description="Agency short name, e.g. dukcapil.")
    service: str = Field(description="Service short name, e.g. adminduk.")
    environment: Literal["prod", "staging", "dev"] = Field(
        default="prod", description="prod keeps every lock; staging and dev get settings an agency can tear down.")
    region: str = Field(default="ap-southeast-3", description="AWS region of every resource; must be in allowedRegions.")
    allowedRegions: list[str] = Field(default_factory=lambda: list(IN_COUNTRY_REGIONS),
                                      description="Regions data may live in (PP 71/2019): in-country regions only.")
    azCount: int = Field(default=3, description="Availability Zones (2 or 3).")
    vpcCidr: str = Field(default="10.20.0.0/16", description="VPC CIDR: private, /16 to /22, overlapping no "
                                                             "standby network.")
    domain: str = Field(description="Public DNS name of the service, e.g. layanan.dukcapil.go.id.")
    platform: Literal["ec2", "eks"] = Field(default="ec2", description="Application tier: ASG behind an ALB, or EKS.")
    natStrategy: Literal["OnePerAz", "Single", "None"] = Field(
        default="OnePerAz", description="NAT gateways: one per AZ (required in prod), a single one, or none.")
    interfaceEndpoints: list[str] = Field(default_factory=lambda: ["ssm", "ssmmessages", "ec2messages", "logs", "kms", "secretsmanager"],
                                          description="VPC interface endpoints (service names) the private subnets use.")
    flowLogRetentionDays: int = Field(default=365, ge=1, description="Retention of the VPC flow logs (days).")
    standby: Standby
    cluster: Cluster = Field(default_factory=Cluster)
    database: Database = Field(default_factory=Database)
    backup: Backup = Field(default_factory=Backup)
    dns: Dns = Field(default_factory=Dns)
    waf: Waf = Field(default_factory=Waf)
    drills: Drills = Field(default_factory=Drills)
    kubernetes: Kubernetes | None = Field(default=None, description="Required when platform is eks.")
    alertContacts: list[Contact] = Field(min_length=1, description="Incident response contacts in escalation order.")
    documentControl: DocumentControl = Field(default_factory=DocumentControl)
    tags: Tags
    availabilityTargetDowntimePercent: float = Field(default=0.1, gt=0, lt=100,
                                                     description="Agency KPI: max yearly downtime (DJBC: 0.1 %).")
    guardDuty: GuardDuty = Field(default_factory=GuardDuty)
    detection: Detection = Field(default_factory=Detection)
    keyGuard: KeyGuard = Field(default_factory=KeyGuard)
    documentLanguage: str = Field(default="id", description="Language of the generated documents (DRP, budget, "
                                  "residency, diagram, drill evidence): id | en; `siaga report --lang` overrides it.")
    protectStatefulResources: bool = Field(
        default=True, description="protect + retainOnDelete on data stores and keys; default true in prod, false in "
                                  "staging/dev (so they can be destroyed); an explicit value wins.")

    @model_validator(mode="before")
    @classmethod
    def _protect_default(cls, data: Any) -> Any:
        # the default follows the environment; only an unset key gets it
        if isinstance(data, dict) and "protectStatefulResources" not in data:
            data = {**data, "protectStatefulResources": data.get("environment", "prod") == "prod"}
        return data

    @field_validator("agency", "service")
    @classmethod
    def _slugs(cls, v: str) -> str:
        return _slug(v)

    @field_validator("domain")
    @classmethod
    def _domain(cls, v: str) -> str:
        return _hostname(v)

    @field_validator("documentLanguage")
    @classmethod
    def _language(cls, v: str) -> str:
        if v not in DOCUMENT_LANGUAGES:
            raise ValueError(f"allowed: {' | '.join(DOCUMENT_LANGUAGES)} (Bahasa Indonesia or English documents)")
        return v

    @field_validator("allowedRegions")
    @classmethod
    def _allowed(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError(f"allowed: a non-empty subset of {list(IN_COUNTRY_REGIONS)}")
        outside = [r for r in v if r not in IN_COUNTRY_REGIONS]
        if outside:
            raise ValueError(f"{outside} are outside Indonesia; allowed: regions in {list(IN_COUNTRY_REGIONS)} (PP 71/2019)")
        return v

    @field_validator("azCount")
    @classmethod
    def _azs(cls, v: int) -> int:
        if v not in (2, 3):
            raise ValueError("allowed: 2 or 3 (ap-southeast-3 has three AZs; one AZ is not highly available)")
        return v

    @field_validator("vpcCidr")
    @classmethod
    def _vpc(cls, v: str) -> str:
        net = _private_cidr(v)
        if not net.is_private:
            raise ValueError("allowed: a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)")
        if not 16 <= net.prefixlen <= 22:
            raise ValueError("allowed: a prefix length from /16 to /22 (room for 3 tiers in 3 AZs)")
        return v

    @model_validator(mode="after")
    def _cross(self) -> StackConfig:
        if self.region not in self.allowedRegions:
            raise ValueError(f"region: {self.region!r} is not in allowedRegions; allowed: {self.allowedRegions}")
        vpc = ipaddress.ip_network(self.vpcCidr)
        for other in self.standby.networks:
            if vpc.overlaps(ipaddress.ip_network(other)):
                raise ValueError(f"vpcCidr: {self.vpcCidr!r} overlaps standby.networks {other}; allowed: a range that overlaps no standby network")
        sizing = self.cluster.sizing(self.azCount)
        if sizing.min_size > self.cluster.maxSize:
            raise ValueError(f"cluster.maxSize: {self.cluster.maxSize} is below the minimum size {sizing.min_size} "
                             f"(ceil(minCapacity {self.cluster.minCapacity} / (azCount - 1)) = {sizing.per_az} per AZ x "
                             f"{self.azCount} AZs); allowed: at least {sizing.min_size}")
        cert = self.cluster.certificateArn
        if cert is not None and cert.split(":")[3] != self.region:
            raise ValueError(f"cluster.certificateArn: {cert!r} is in {cert.split(':')[3]}; allowed: an ACM certificate "
                             f"in the stack's region {self.region} (an ALB uses certificates of its own region)")
        sdb = self.standby.database
        for key in ("secretArn", "sourceSecretArn", "secretKmsKeyArn"):
            arn = getattr(sdb, key) if sdb is not None else None
            if arn is not None and arn.split(":")[3] != self.region:
                raise ValueError(f"standby.database.{key}: {arn!r} is in {arn.split(':')[3]}; allowed: the stack's "
                                 f"region {self.region} (DMS reads secrets of its own region)")
        self._standby_name()
        if self.platform == "eks" and self.kubernetes is None:
            raise ValueError("kubernetes: not set while platform is 'eks'; allowed: a kubernetes section with at least image")
        if self.environment == "prod" and self.natStrategy != "OnePerAz":
            raise ValueError(f"natStrategy: {self.natStrategy!r} makes AZs depend on another; allowed in prod: 'OnePerAz'")
        return self

    def _standby_name(self) -> None:
        """A standby host name inside the zone the stack creates resolves only through a record of that zone: once
        the zone is delegated, the parent's answers stop there (RFC 1034 4.3.2), so without one the name is NXDOMAIN,
        the standby health check fails and a failover hands clients a CNAME to nothing. An adopted zone
        (dns.hostedZoneId) is named only at deployment: then addressIps is used if given, not required."""
        address = self.standby.address
        is_ip = _is_ip(address)
        if self.standby.addressIps and is_ip:
            raise ValueError(f"standby.addressIps: set while standby.address {address!r} is an IPv4 (nothing to "
                             "answer); allowed: addressIps with a host name, or unset")
        if is_ip or self.dns.hostedZoneId is not None:
            return
        zone = _parent(self.domain)
        if address.rstrip(".").lower() == self.domain.rstrip(".").lower():
            raise ValueError(f"standby.address: {address!r} is the service name itself (the failover records); "
                             "allowed: the standby's own host name or IPv4")
        if _in_zone(address, zone) and not self.standby.addressIps:
            raise ValueError(f"standby.address: {address!r} lies inside the stack's zone {zone}, where no record answers "
                             "it (NXDOMAIN once delegated); allowed: standby.addressIps (its public IPv4s, answered by "
                             "an A record of the zone), a name outside the zone, or an IPv4")

    @property
    def production(self) -> bool:
        """Production keeps every lock (protect, deletion protection, compliance-mode vault lock); staging and dev
        get settings an agency can tear down."""
        return self.environment == "prod"

    @property
    def detection_enabled(self) -> bool:
        """detection.enabled, else on in production."""
        return self.production if self.detection.enabled is None else self.detection.enabled

    @property
    def key_guard_enabled(self) -> bool:
        """keyGuard.enabled, defaulting to the environment: on in production, off elsewhere (tear-down-able)."""
        return self.production if self.keyGuard.enabled is None else self.keyGuard.enabled

    @property
    def required_secrets(self) -> tuple[str, ...]:
        """Secret config keys outside ``siaga:`` the program requires: the on-prem cluster's kubeconfig on eks."""
        if self.platform == "eks" and self.kubernetes is not None:
            return (self.kubernetes.standbyKubeconfigKey,)
        return ()

    @property
    def name_prefix(self) -> str:
        return f"{self.agency}-{self.service}-{self.environment}"

    def default_tags(self) -> dict[str, str]:
        tags = {
            "Agency": self.agency,
            "Service": self.service,
            "Environment": self.environment,
            "Owner": self.tags.owner,
            "CostCentre": self.tags.costCentre,
            "DataClassification": self.tags.dataClassification,
            "ManagedBy": "siaga",
        }
        tags.update(self.tags.extra)
        return tags


# field names of StackConfig whose values are objects or lists (arrive as JSON strings from the CLI)
_STRUCTURED = {name for name, f in StackConfig.model_fields.items()
               if f.annotation not in (str, int, float, bool) and not str(f.annotation).startswith("typing.Literal")}


def _decode(key: str, value: Any) -> Any:
    if isinstance(value, str) and key in _STRUCTURED | {"azCount", "flowLogRetentionDays",
                                                       "availabilityTargetDowntimePercent", "protectStatefulResources"}:
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _describe(value: Any) -> str:
    text = json.dumps(value, default=repr) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _format(exc: ValidationError, raw: Mapping[str, Any]) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = [str(p) if str(p).isprintable() else repr(str(p)) for p in err["loc"]]
        key = f"{NAMESPACE}:" + ".".join(loc) if loc else f"{NAMESPACE}"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            parent_model: type[BaseModel] = StackConfig
            for part in loc[:-1]:
                ann = parent_model.model_fields[part].annotation if part in parent_model.model_fields else None
                ann = next((a for a in getattr(ann, "__args__", ()) if isinstance(a, type)
                            and issubclass(a, BaseModel)), ann)  # Optional[Model] sections
                if isinstance(ann, type) and issubclass(ann, BaseModel):
                    parent_model = ann
            allowed = ", ".join(sorted(parent_model.model_fields))
            lines.append(f"{key}: unknown key; allowed keys: {allowed}")
            continue
        if err["type"] == "missing":
            lines.append(f"{key}: is required but not set")
            continue
        value = err.get("input")
        if err["type"] == "value_error" and isinstance(value, dict):
            # a cross-field rule: its message starts with the dotted key it is about
            lines.append(f"{NAMESPACE}:{msg}")
            continue
        lines.append(f"{key}: {_describe(value)} is invalid: {msg}")
    return lines


def parse_config(raw: Mapping[str, Any]) -> StackConfig:
    """Validates a config mapping (``{"siaga:agency": ..., "aws:region": ...}``) into a StackConfig.

    Values may be typed (read from YAML) or strings (as the Pulumi CLI passes them). Raises ConfigError.
    """
    prefix = NAMESPACE + ":"
    data = {k[len(prefix):]: _decode(k[len(prefix):], v) for k, v in raw.items() if k.startswith(prefix)}
    try:
        cfg = StackConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("\n".join(_format(exc, raw))) from None
    aws_region = raw.get("aws:region")
    if aws_region not in (None, "", cfg.region):
        raise ConfigError(f"aws:region: {aws_region!r} differs from {prefix}region {cfg.region!r}; "
                          f"allowed: the same region, or leave aws:region unset")
    return cfg


def load_config() -> StackConfig:
    """Reads and validates the running stack's config; raises ``pulumi.RunError`` (one line per problem)."""
    import pulumi
    from pulumi.runtime.config import get_config_env

    env = get_config_env()
    try:
        cfg = parse_config(env)
    except ConfigError as exc:
        raise pulumi.RunError(str(exc)) from None
    for key in cfg.required_secrets:  # checked before any resource, not where the provider reads it
        if key not in env:
            raise pulumi.RunError(f"{key}: not set; the stack needs it as a secret: run `pulumi config set --secret "
                                  f"{key} < FILE` (offline: siaga --secret-config {key}=VALUE, or "
                                  f"SIAGA_SECRET_CONFIG='{{\"{key}\": ...}}')")
    if cfg.standby.replication_gap:
        pulumi.log.warn(cfg.standby.replication_gap)  # never a silent drop of the replication
    return cfg
