"""``siaga verify --public``: the service as citizens reach it, checked from the verifier's machine: its public
name over HTTPS with the certificate verified, the HTTP -> HTTPS redirect, TLS 1.2/1.3 only, HSTS and the
certificate's remaining validity (``suite/test_public.py``, run on the local testinfra backend).

``connect_to`` sends the requests to one address while keeping the name (SNI, Host, certificate check): one
load-balancer IP, or the standby site before a failover drill."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from components.config import health_path, hostname
from components.userdata import parse_model
from siaga.engine.model import Graph
from siaga.verify.runner import VerifyError

MIN_CERT_DAYS = 14
"""A certificate closer to expiry than this fails (ACM renews 60 days ahead; a manual one must be replaced)."""


class PublicTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    domain: str = Field(description="The service's public name (siaga:domain).")
    health_path: str = "/healthz"
    connect_to: str | None = Field(default=None, description="IP address to connect to instead of resolving the name.")
    ca_file: str | None = Field(default=None, description="PEM bundle to verify the certificate with (default: system CAs).")
    min_cert_days: int = Field(default=MIN_CERT_DAYS, ge=0)

    @field_validator("domain")
    @classmethod
    def _domain(cls, v: str) -> str:
        return hostname(v)

    @field_validator("health_path")
    @classmethod
    def _health_path(cls, v: str) -> str:
        return health_path(v)

    @field_validator("connect_to")
    @classmethod
    def _ip(cls, v: str | None) -> str | None:
        if v is not None:
            ipaddress.ip_address(v)  # ValueError names the value
        return v

    @field_validator("ca_file")
    @classmethod
    def _ca(cls, v: str | None) -> str | None:
        if v is not None and not Path(v).is_file():
            raise ValueError("allowed: an existing PEM file")
        return v

    @classmethod
    def parse(cls, data: dict[str, Any]) -> PublicTarget:
        return parse_model(cls, data, VerifyError, "public target")


def public_target_from_graph(graph: Graph, **overrides: Any) -> PublicTarget:
    """Domain and health path from the stack's config (``siaga:domain``, ``siaga:cluster.healthCheckPath``);
    ``overrides`` (fields of :class:`PublicTarget`) win."""
    domain = graph.config.get("siaga:domain")
    if not isinstance(domain, str) or not domain:
        raise VerifyError(f"stack {graph.stack}: no siaga:domain in its config; give --domain NAME")
    cluster = graph.config.get("siaga:cluster") or "{}"
    try:
        cluster = json.loads(cluster) if isinstance(cluster, str) else cluster
    except json.JSONDecodeError:
        cluster = {}
    path = cluster.get("healthCheckPath", "/healthz") if isinstance(cluster, dict) else "/healthz"
    return PublicTarget.parse({"domain": domain, "health_path": path, **overrides})
