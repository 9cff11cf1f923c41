"""Availability judged by the stack's environment, and settings a stack declares about itself, through `siaga check`
and the pack's own analyzer (issue #29: "a production stack with a single-AZ database fails `siaga check`; the same
in a dev stack warns"; "settings a stack declares about itself reach the pack without a separate config file")."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from siaga.analyzer import analyze
from siaga.cli import app
from siaga.engine import run_program
from tests.conftest import PROGRAMS, REPO

PACK = REPO / "policies"


def _check(stack: str) -> tuple[int, dict]:
    result = CliRunner().invoke(app, ["check", str(PROGRAMS / "single_az_db"), "-s", stack, "--format", "json"])
    return result.exit_code, json.loads(result.output)


def test_a_single_az_database_fails_the_gate_in_production_and_warns_in_dev() -> None:
    code, prod = _check("prod")
    hits = [f for f in prod["violations"] if f["policy"] == "rds-multi-az"]
    assert code == 1 and [f["enforcement"] for f in hits] == ["mandatory"] and hits[0]["name"] == "orders-db"
    assert prod["summary"]["mandatory"] == 1  # the program is otherwise clean: only the single AZ blocks it
    code, dev = _check("dev")
    hits = [f for f in dev["violations"] if f["policy"] == "rds-multi-az"]
    assert code == 0 and [f["enforcement"] for f in hits] == ["advisory"]
    assert dev["summary"]["mandatory"] == 0


HYGIENE = {"asg-launch-template", "asg-multiple-instance-types", "instance-ebs-optimized"}
"""Availability-category hygiene (Security Hub AutoScaling.9 / .6, cdk-nag EC2EBSOptimizedInstance): they set
``level=ADVISORY`` themselves, so production does not make them blocking; a single-AZ tier still does."""


def test_every_availability_policy_is_mandatory_in_production_only() -> None:
    """The level comes from the stack config the pack is started with; other categories keep theirs."""
    graph = run_program(PROGRAMS / "single_az_db", stack="prod")
    levels = {p.name: p for p in analyze(graph, packs=[PACK]).policies}
    graph = run_program(PROGRAMS / "single_az_db", stack="dev")
    dev = {p.name: p for p in analyze(graph, packs=[PACK]).policies}
    availability = [n for n, p in dev.items() if "category:availability" in (p.tags or [])]
    assert len(availability) >= 10
    for name in availability:
        if name in HYGIENE:  # advisory in every environment, by their own level
            assert levels[name].enforcement == dev[name].enforcement == "advisory", name
            continue
        assert levels[name].enforcement == "mandatory", name
    assert any(dev[n].enforcement == "advisory" for n in availability)
    logging = [n for n, p in dev.items() if "category:logging" in (p.tags or [])]
    assert all(levels[n].enforcement == dev[n].enforcement for n in logging)


def test_the_stacks_own_declaration_reaches_security_hub_config_enabled() -> None:
    graph = run_program(PROGRAMS / "policy_cases_declared", stack="dev")
    assert graph.exports["managedOutside"] == ["securityhub", "config"]
    assert not [f for f in analyze(graph, packs=[PACK]).findings if f.policy == "security-hub-config-enabled"]
    graph.exports.pop("managedOutside")  # the same program without its declaration
    hits = [f for f in analyze(graph, packs=[PACK]).findings if f.policy == "security-hub-config-enabled"]
    assert [h.name for h in hits] == ["pass-security-hub-config-enabled-declared"]
    assert "managedOutside" in hits[0].message
