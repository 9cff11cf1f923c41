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
