"""The benchmark's synthetic program and its arithmetic (the timings themselves are not tested)."""

from __future__ import annotations

from bench.bench_check import SERVICES, _linearity
from siaga.engine import run_program


def test_synthetic_program_makes_n_copies_of_the_service() -> None:
    graph = run_program(SERVICES, stack="bench", overrides={"benchservices:services": "3"})
    services = graph.of_type("bench:index:Service")
    assert sorted(s.name for s in services) == ["svc000", "svc001", "svc002"]
    per_service = [len(graph.children(s.urn)) for s in services]
    assert per_service == [10, 10, 10]
    assert graph.get("aws:s3/bucketV2:BucketV2", "svc001-data").options.protect is True


def test_linear_fit() -> None:
    rows = [{"resources": x, "check_s": 1.0 + 0.005 * x} for x in (100, 200, 400, 800)]
    a, b, r2 = _linearity(rows)
    assert abs(a - 1.0) < 1e-9 and abs(b - 0.005) < 1e-12 and r2 > 0.999999


def test_stateful_program_is_twelve_resources_a_service_and_runs_on_plain_mocks() -> None:
    """The second bench shape (keys, databases, backups, buckets) runs under the offline engine and under the SDK's
    plain mocks (no siaga code) with the same resources: the baseline measures the same program."""
    import json
    import subprocess
    import sys

    from bench.bench_check import REPO, STATEFUL

    graph = run_program(STATEFUL, stack="bench", overrides={"benchstateful:services": "2"})
    custom = [r for r in graph.resources if r.custom and not r.type.startswith("pulumi:providers:")]
    assert len(custom) == 2 * 12 + 1  # + the one backup role
    assert {r.type for r in custom} >= {"aws:rds/instance:Instance", "aws:kms/key:Key", "aws:backup/selection:Selection",
                                        "aws:s3/bucket:Bucket"}
    done = subprocess.run([sys.executable, str(REPO / "bench" / "plain_mocks.py"), str(STATEFUL), "bench",
                           "benchstateful:services=2"], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1])["resources"] == len(custom)


def test_bench_runs_end_to_end_and_states_ratio_and_memory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The harness itself (a bench that silently skipped its rows went unnoticed once): one tiny size of each shape."""
    import json

    from bench.bench_check import main

    assert main(["--resources", "24", "--stacks", "", "--repeat", "1", "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "bench_check.json").read_text())["rows"]
    assert [(r["shape"], r["baseline"]) for r in rows] == [("services", "plain"), ("stateful", "plain")]
    for r in rows:
        assert r["resources"] > 20 and r["check_s"] > 0 and r["bare_s"] > 0 and r["peak_rss_mib"] > 50
    assert (tmp_path / "bench_check.png").stat().st_size > 10_000
