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
