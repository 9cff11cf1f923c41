"""The one stack config model: every bad value is one line naming key, value and what is allowed."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.config import IN_COUNTRY_REGIONS, ConfigError, StackConfig, parse_config
from siaga.engine import EngineError, run_stack
from tests.conftest import REPO

STACKS = sorted((REPO / "stacks").glob("Pulumi.*.yaml"))


def _stack_config(path: Path) -> dict:
    return yaml.safe_load(path.read_text())["config"]


BASE = _stack_config(REPO / "stacks" / "Pulumi.jakarta-prod.yaml")


@pytest.mark.parametrize("path", STACKS, ids=lambda p: p.name)
def test_reference_stacks_are_valid(path: Path) -> None:
    cfg = parse_config(_stack_config(path))
    assert cfg.region in IN_COUNTRY_REGIONS


def test_defaults_are_the_compliant_ha_setup() -> None:
    minimal = {k: v for k, v in BASE.items() if k in (
        "siaga:agency", "siaga:service", "siaga:domain", "siaga:standby", "siaga:alertContacts", "siaga:tags")}
    cfg = parse_config(minimal)
    assert cfg.azCount == 3 and cfg.region == "ap-southeast-3" and cfg.allowedRegions == ["ap-southeast-3"]
    assert cfg.natStrategy == "OnePerAz" and cfg.database.mode.startswith("multi-az")
    assert cfg.database.backupRetentionDays == 14 and cfg.backup.continuous and cfg.protectStatefulResources


def test_cli_string_encoding_is_accepted() -> None:
    """The Pulumi CLI passes every value as a string, objects and lists as JSON."""
    as_cli = {k: v if isinstance(v, str) else json.dumps(v) for k, v in BASE.items()}
    assert parse_config(as_cli) == parse_config(BASE)


# (override key, value, the one line expected). Each class of bad config in the issue.
BAD = [
    ("siaga:region", "ap-southeast-1",
     "siaga:region: 'ap-southeast-1' is not in allowedRegions; allowed: ['ap-southeast-3']"),
    ("siaga:allowedRegions", '["ap-southeast-3", "ap-southeast-1"]',
     "siaga:allowedRegions: [\"ap-southeast-3\", \"ap-southeast-1\"] is invalid: ['ap-southeast-1'] are outside "
     "Indonesia; allowed: regions in ['ap-southeast-3'] (PP 71/2019)"),
    ("siaga:azCount", "1",
     "siaga:azCount: 1 is invalid: allowed: 2 or 3 (ap-southeast-3 has three AZs; one AZ is not highly available)"),
    ("siaga:vpcCidr", "10.50.0.0/16",
     "siaga:vpcCidr: '10.50.0.0/16' overlaps standby.networks 10.50.0.0/16; allowed: a range that overlaps no "
     "standby network"),
    ("siaga:vpcCidr", "10.20.0.0/33",
     "siaga:vpcCidr: '10.20.0.0/33' is invalid: allowed: an IPv4 network in CIDR form with no host bits set, "
     "e.g. 10.20.0.0/16"),
    ("siaga:domain", "layanan..go.id",
     "siaga:domain: 'layanan..go.id' is invalid: allowed: a fully qualified domain name such as layanan.agency.go.id"),
    ("siaga:database", '{"backupRetentionDays": 3}',
     "siaga:database.backupRetentionDays: 3 is invalid: allowed: 7 to 35 days (never under 7)"),
    ("siaga:colour", "blue", None),  # unknown key: the allowed keys are listed
]


@pytest.mark.parametrize(("key", "value", "expected"), BAD, ids=[b[0] + "=" + b[1] for b in BAD])
def test_bad_value_is_one_line(key: str, value: str, expected: str | None) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({**BASE, key: value})
    message = str(info.value)
    assert "\n" not in message
    if expected is None:
        assert message.startswith("siaga:colour: unknown key; allowed keys: agency, alertContacts,")
    else:
        assert message == expected


@pytest.mark.parametrize(("key", "value", "expected"), BAD, ids=[b[0] + "=" + b[1] for b in BAD])
def test_bad_value_registers_no_resource(key: str, value: str, expected: str | None) -> None:
    """Through the real program: the error comes before any resource (only the stack root exists)."""
    with pytest.raises(EngineError) as info:
        run_stack("jakarta-prod", overrides={key: value})
    assert "\n" not in str(info.value) and "Traceback" not in str(info.value)
    if expected is not None:
        assert str(info.value) == expected
    assert info.value.graph is not None
    assert [r.type for r in info.value.graph.resources] == ["pulumi:pulumi:Stack"]


# ---- property-based: random configs never crash the model, and what it accepts is sound ----

regions = st.sampled_from(["ap-southeast-3", "ap-southeast-1", "us-east-1", "", "AP-SOUTHEAST-3"])
cidrs = st.one_of(
    st.builds(lambda a, b, p: f"10.{a}.{b}.0/{p}", st.integers(0, 300), st.integers(0, 255), st.integers(8, 33)),
    st.sampled_from(["172.16.0.0/16", "8.8.0.0/16", "10.50.0.0/16", "garbage", "::/0", "192.168.0.0/20"]),
)
domains = st.one_of(st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){1,3}", fullmatch=True),
                    st.text(max_size=20))
scalars = st.one_of(st.integers(-5, 50), st.text(max_size=8), st.booleans(), st.none())


@st.composite
def random_configs(draw: st.DrawFn) -> dict:
    cfg = dict(BASE)
    cfg["siaga:region"] = draw(regions)
    cfg["siaga:allowedRegions"] = draw(st.lists(regions, max_size=3))
    cfg["siaga:azCount"] = draw(st.one_of(st.integers(-1, 5), st.text(max_size=3)))
    cfg["siaga:vpcCidr"] = draw(cidrs)
    cfg["siaga:domain"] = draw(domains)
    cfg["siaga:database"] = {"backupRetentionDays": draw(st.integers(-3, 40))}
    if draw(st.booleans()):
        cfg[f"siaga:{draw(st.from_regex(r'[a-z]{1,8}', fullmatch=True))}"] = draw(scalars)
    if draw(st.booleans()):
        del cfg[draw(st.sampled_from(sorted(k for k in cfg if k.startswith("siaga:"))))]
    if draw(st.booleans()):
        cfg = {k: v if isinstance(v, str) else json.dumps(v) for k, v in cfg.items()}
    return cfg


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_configs())
def test_random_configs(raw: dict) -> None:
    try:
        cfg = parse_config(raw)
    except ConfigError as exc:
        lines = str(exc).splitlines()
        assert lines, "an error must say something"
        for line in lines:
            key = line.split(": ", 1)[0]
            assert key.startswith(("siaga:", "aws:")), line
            # one line; the longest legitimate one lists every allowed top-level key (about 400 characters)
            assert "Traceback" not in line and len(line) < 500
        return
    assert isinstance(cfg, StackConfig)
    assert cfg.region in cfg.allowedRegions and set(cfg.allowedRegions) <= set(IN_COUNTRY_REGIONS)
    assert cfg.azCount in (2, 3)
    net = ipaddress.ip_network(cfg.vpcCidr)
    assert net.is_private and 16 <= net.prefixlen <= 22
    assert not any(net.overlaps(ipaddress.ip_network(n)) for n in cfg.standby.networks)
    assert 7 <= cfg.database.backupRetentionDays <= 35
