"""Micro-benchmark of the behaviour policies sg-flows-agree and data-store-reachable: are they linear in the
number of security groups and rules?

For N tiers of tests/fixtures/programs/behaviour_sg_bench (10 resources per tier, 6 of them groups/rules, plus a hub group), it
times (a) both policies' checks in-process on the graph (the cost they add) and (b) the whole pack through the
analyzer, and fits time = a + b*resources.

    .venv/bin/python bench/bench_behaviour_sg.py [tiers ...]     # default: 30 60 120 240
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "policies")]

from siaga_rules.behaviour import data_store_reachable, sg_flows_agree  # noqa: E402
from siaga_rules.common import Res, StackCtx  # noqa: E402

from siaga.analyzer import analyze  # noqa: E402
from siaga.engine import Graph, run_program  # noqa: E402
from siaga.engine.model import plain  # noqa: E402

PROGRAM = ROOT / "tests/fixtures/programs/behaviour_sg_bench"


def stack_ctx(graph: Graph) -> StackCtx:
    """The StackCtx a stack policy would get, built in-process from the graph (outputs + property deps)."""
    resources = [Res(type=r.type, name=r.name, urn=r.urn, source=SimpleNamespace(props=plain(r.outputs) or {}),
                     protect=bool(r.options.protect), parent=r.parent,
                     deps={k: list(v) for k, v in (r.options.propertyDependencies or {}).items()})
                 for r in graph.resources]
    return StackCtx(resources=resources, config={}, stack_tags={})


def time_checks(graph: Graph, repeat: int = 5) -> tuple[float, int]:
    best, found = float("inf"), 0
    for _ in range(repeat):
        ctx = stack_ctx(graph)
        t = time.perf_counter()
        sg_flows_agree.check(ctx)
        data_store_reachable.check(ctx)
        best = min(best, time.perf_counter() - t)
        found = len(ctx.violations)
    return best, found


def count_calls(graph: Graph) -> int:
    """Python function calls made by both checks: a deterministic measure of their work (timings on a shared
    machine are noisy)."""
    ctx = stack_ctx(graph)
    prof = cProfile.Profile()
    prof.runcall(lambda: (sg_flows_agree.check(ctx), data_store_reachable.check(ctx)))
    return pstats.Stats(prof).total_calls  # type: ignore[attr-defined]


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    return my - b * mx, b


def main(tiers: list[int]) -> None:
    rows = []
    print(f"{'tiers':>5} {'resources':>9} {'groups+rules':>12} {'checks_ms':>9} {'calls':>8} {'violations':>10} "
          f"{'pack_s':>7}")
    for n in tiers:
        graph = run_program(PROGRAM, stack="bench", overrides={"behaviour-sg-bench:tiers": str(n)})
        sgs = len(graph.of_type("aws:ec2/securityGroup:SecurityGroup",
                                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                                "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"))
        checks, violations = time_checks(graph)
        calls = count_calls(graph)
        t = time.perf_counter()
        analyze(graph, packs=[ROOT / "policies"])
        pack = time.perf_counter() - t
        rows.append((len(graph.resources), checks, pack, calls))
        print(f"{n:>5} {len(graph.resources):>9} {sgs:>12} {checks * 1000:>9.1f} {calls:>8} {violations:>10} "
              f"{pack:>7.2f}")
    if len(rows) > 1:
        xs = [float(r[0]) for r in rows]
        a, b = _fit(xs, [r[1] for r in rows])
        print(f"checks: {a * 1000:.1f} ms + {b * 1e6:.1f} us/resource;"
              f" per resource at the smallest/largest size: {rows[0][1] / rows[0][0] * 1e6:.1f} / "
              f"{rows[-1][1] / rows[-1][0] * 1e6:.1f} us")
        print(f"calls per resource at each size: {', '.join(f'{r[3] / r[0]:.0f}' for r in rows)} (flat = linear)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [30, 60, 120, 240])
