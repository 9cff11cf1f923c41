"""Waivers: validated, dated, matched by policy and URN or glob; a bad or expired entry is one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from siaga.waivers import WaiverError, load_waivers

TODAY = dt.date(2026, 11, 22)
URN = "urn:pulumi:dev::p::aws:s3/bucketV2:BucketV2::legacy-logs"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    return path


def test_valid_file_matches_exact_glob_pack_qualified_and_stack(tmp_path: Path) -> None:
    path = _write(tmp_path, f"""
waivers:
  - policy: bucket-prefix
    urn: "urn:pulumi:*::*::aws:s3/bucketV2:BucketV2::legacy-*"
    reason: renamed in the Q3 migration
    approver: rina
    expires: 2026-11-22
  - policy: check-pack/buckets-protected
    urn: "{URN}"
    reason: log bucket, recreated from source
    approver: budi
    expires: "2027-01-31"
  - policy: stack-wide
    urn: "*"
    reason: stack policy under review
    approver: sari
    expires: 2027-01-01
""")
    ws = load_waivers(path, today=TODAY)  # expiring today is still valid
    assert len(ws.waivers) == 3
    assert ws.find("any-pack", "bucket-prefix", URN).approver == "rina"
    assert ws.find("check-pack", "bucket-prefix", URN.replace("legacy-", "new-")) is None
    assert ws.find("check-pack", "buckets-protected", URN).approver == "budi"
    assert ws.find("other-pack", "buckets-protected", URN) is None  # pack-qualified: only that pack
    assert ws.find("p", "stack-wide", None).approver == "sari"  # "*" matches a stack-level finding


@pytest.mark.parametrize(("body", "needle"), [
    ("- {policy: a, urn: u, reason: r, approver: x, expires: 2026-11-21}",
     "entry 1 (policy a, urn u) expired on 2026-11-21"),
    ("- {policy: a, urn: u, reason: r, approver: x, expires: soon}", "entry 1: expires = 'soon': "),
    ("- {policy: a, urn: u, reason: r, approver: x, expires: 2026-13-01}", "entry 1: expires = '2026-13-01'"),
    ("- {policy: a, urn: u, approver: x, expires: 2027-01-01}", "entry 1: missing reason"),
    ("- {policy: a, urn: u, reason: '  ', approver: x, expires: 2027-01-01}", "entry 1: reason = '  ': must not be blank"),
    ("- {policy: a, urn: u, reason: r, approver: x, expires: 2027-01-01, owner: me}", "entry 1: unknown key 'owner'"),
    ("- {policy: a, urn: u, reason: r, approver: x, expires: 2027-01-01}\n- just a string",
     "entry 2: expected a mapping"),
    ("waivers: [\n", "not valid YAML"),
    ("exceptions: []", "unknown top-level key 'exceptions'"),
])
def test_malformed_or_expired_entry_is_one_line_naming_it(tmp_path: Path, body: str, needle: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(WaiverError) as info:
        load_waivers(path, today=TODAY)
    assert needle in str(info.value) and "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(WaiverError, match="cannot read it"):
        load_waivers(tmp_path / "nope.yaml")
    assert load_waivers(_write(tmp_path, "")).waivers == []
    assert load_waivers(None).waivers == []


def test_waiver_dates_are_strict_iso(tmp_path: Path) -> None:
    for value in ("20270101", "2027-W01-1", "2027-1-1", "2027-01-01T00:00:00"):
        path = tmp_path / "w.yaml"
        path.write_text(f"- {{policy: a, urn: u, reason: r, approver: x, expires: '{value}'}}\n")
        with pytest.raises(WaiverError, match="must be a date YYYY-MM-DD"):
            load_waivers(path, today=dt.date(2026, 11, 21))


def test_waiver_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("- {policy: a, urn: u, reason: r, approver: x, expires: 2027-06-01}\n")
    with pytest.raises(WaiverError, match="192 days from today; allowed: at most 180 days"):
        load_waivers(path, today=dt.date(2026, 11, 21))
    assert load_waivers(path, today=dt.date(2026, 11, 21), max_days=365).waivers


def test_residency_policies_cannot_be_waived(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from siaga.cli import app

    soon = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    path = tmp_path / "w.yaml"
    path.write_text(f"- {{policy: resource-region-allowed, urn: '*', reason: DR copy, approver: x, expires: {soon}}}\n")
    done = CliRunner().invoke(app, ["check", "--stack", "jakarta-staging", "--waivers", str(path)])
    assert done.exit_code == 2 and "cannot be waived" in done.output and "category:residency" in done.output
    done = CliRunner().invoke(app, ["check", "--stack", "jakarta-staging", "--waivers", str(path),
                                    "--not-waivable", "kms-key-rotation"])
    assert "cannot be waived" not in done.output  # the list is configurable
