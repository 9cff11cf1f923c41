"""The EKS version rules follow the EKS release calendar by date (policies/siaga_rules/exposure/eks_versions.py).

The fixture cases (policy_cases_fsbp_compute) use versions whose verdict no longer changes with the date; these
tests pin "today" to walk one version (1.33: standard support to 2026-07-29, extended to 2027-07-29) through its
life, as the EKS User Guide's release calendar gives it.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "policies"))
from siaga_rules.common import Ctx  # noqa: E402
from siaga_rules.exposure import (  # noqa: E402
    eks_version_standard_support,
    eks_version_supported,
    eks_versions,
)


def _messages(module, version: str | None) -> list[str]:
    ctx = Ctx(type="aws:eks/cluster:Cluster", name="c", urn="urn:c", props={"version": version} if version else {},
              config={}, provider=None, provider_type=None, protect=False, stack_tags={})
    module.check(ctx)
    return ctx.violations


@pytest.mark.parametrize(("day", "state"), [
    (dt.date(2026, 7, 29), "standard"), (dt.date(2026, 7, 30), "extended"),
    (dt.date(2027, 7, 29), "extended"), (dt.date(2027, 7, 30), "ended")])
def test_one_version_through_the_calendar(monkeypatch, day: dt.date, state: str) -> None:
    monkeypatch.setattr(eks_versions, "today", lambda: day)
    assert eks_versions.support((1, 33), day) == state
    supported, standard = _messages(eks_version_supported, "1.33"), _messages(eks_version_standard_support, "1.33")
    assert bool(supported) == (state == "ended")
    assert bool(standard) == (state != "standard")
    if state == "extended":
        assert "2026-07-29" in standard[0] and "2027-07-29" in standard[0]


def test_versions_outside_the_table(monkeypatch) -> None:
    monkeypatch.setattr(eks_versions, "today", lambda: dt.date(2026, 12, 7))
    assert eks_versions.support((1, 27), dt.date(2026, 12, 7)) == "ended"  # older than the table
    assert eks_versions.support((1, 40), dt.date(2026, 12, 7)) == "unlisted"
    assert _messages(eks_version_supported, "1.40") == [] and _messages(eks_version_standard_support, "1.40") == []
    assert _messages(eks_version_supported, None) == []  # EKS's current default
    assert "not a Kubernetes minor version" in _messages(eks_version_supported, "latest")[0]
    assert eks_versions.parse("1.33.2") == (1, 33)
