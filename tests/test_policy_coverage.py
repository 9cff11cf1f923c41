"""The catalogue coverage of the pack (issue #29): policies/README.md's tables are generated from the pack and kept
current, every FSBP control / cdk-nag NIST 800-53 r5 rule in policies/catalogues/ is cited by a policy, explained or a
tracked gap, and no policy cites an id the catalogues do not hold."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("policy_coverage", ROOT / "scripts/policy_coverage.py")
assert _spec and _spec.loader
pc = importlib.util.module_from_spec(_spec)
sys.modules["policy_coverage"] = pc
_spec.loader.exec_module(pc)


@pytest.fixture(scope="module")
def cov():
    return pc.coverage()


def test_catalogues_agree_with_the_pack(cov) -> None:
    assert not cov.problems, "\n".join(cov.problems)


def test_readme_tables_are_current(cov) -> None:
    current = pc.README.read_text(encoding="utf-8")
    assert pc.render_readme(cov, current) == current, "policies/README.md is stale: run scripts/policy_coverage.py --write"


def test_policy_tags_carry_the_catalogue_ids(cov) -> None:
    rds = next(p for p in cov.policies if p.name == "rds-storage-encrypted")
    assert "RDS.3" in rds.catalogue["fsbp"] and "CKV_AWS_16" in rds.catalogue["checkov"]
    assert "NIST.800.53.R5-RDSStorageEncrypted" in rds.catalogue["cdk-nag"]
    assert "nist-800-53-r5:SC-28" in rds.controls  # today's tags are kept
    entry = next(e for e in cov.catalogues["fsbp"] if e.id == "RDS.3")
    assert entry.status == "covered" and "rds-storage-encrypted" in entry.policies


def test_catalogues_are_the_real_ids(cov) -> None:
    fsbp = {e.id for e in cov.catalogues["fsbp"]}
    assert {"RDS.3", "DMS.13", "KMS.5", "CloudTrail.1", "SecretsManager.1", "S3.6", "SNS.4", "SQS.3"} <= fsbp
    assert all(e.id.startswith("NIST.800.53.R5-") for e in cov.catalogues["cdk-nag"])
    core = pc.counts(cov.catalogues["fsbp"], extended=False)
    assert core["total"] >= 110 and pc.counts(cov.catalogues["cdk-nag"], extended=False)["total"] >= 45


def _row(name: str, **catalogue: list[str]) -> pc.PolicyRow:
    return pc.PolicyRow(name=name, category="exposure", level="mandatory", kind="resource", description="d",
                        config=[], controls=[], file="f.py",
                        catalogue={"fsbp": catalogue.get("fsbp", []), "cdk-nag": [],
                                   "checkov": catalogue.get("checkov", [])})


def _entries(**marks: dict) -> list[pc.Entry]:
    return [pc.Entry(id=cid, title="t", service=cid.split(".")[0], extended=False, **m) for cid, m in marks.items()]


def test_evaluate_reports_every_inconsistency() -> None:
    catalogues = {"fsbp": _entries(**{"RDS.3": {}, "RDS.4": {"gap": "data"}, "RDS.5": {"reason": "run time"},
                                      "RDS.6": {}, "RDS.7": {"partial": "half"}})}
    policies = [_row("a", fsbp=["RDS.3", "RDS.4", "XYZ.1"], checkov=["CKV_AWS_16", "not-an-id"])]
    problems = "\n".join(pc.evaluate(policies, catalogues))
    assert "cites fsbp 'XYZ.1'" in problems                      # an id not in the catalogue
    assert "RDS.4 is cited by a but marked gap" in problems       # stale gap mark
    assert "RDS.6 is neither cited" in problems                   # unexplained
    assert "RDS.7 is marked partial but no policy cites it" in problems
    assert "'not-an-id'" in problems and "CKV_AWS_16" not in problems
    assert "RDS.3" not in problems and "RDS.5" not in problems
    statuses = {e.id: e.status for e in catalogues["fsbp"]}
    assert statuses == {"RDS.3": "covered", "RDS.4": "covered", "RDS.5": "explained", "RDS.6": "gap", "RDS.7": "gap"}


def test_check_mode_fails_on_a_stale_readme(cov, tmp_path, monkeypatch) -> None:
    stale = tmp_path / "README.md"
    text = pc.README.read_text(encoding="utf-8")
    stale.write_text(text.replace("| `rds-storage-encrypted` |", "| `rds-storage-encrypted-old` |"), encoding="utf-8")
    monkeypatch.setattr(pc, "README", stale)
    monkeypatch.setattr(pc, "ROOT", tmp_path)
    assert pc.main(["--check"]) == 1
    assert pc.main(["--write"]) == 0 and stale.read_text(encoding="utf-8") == text
