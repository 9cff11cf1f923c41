"""Cross-check: Checkov's catalogue beside the pack on the same graphs (issue #29).

For each program (or reference stack) the graph is analyzed by the pack and converted to a Terraform plan
(siaga/checkov.py) for Checkov. Every Checkov failure on a resource is then:
  matched - a policy citing that Checkov check (Controls(checkov=...)) flags the resource;
  missed  - a policy cites the check but passes the resource (a difference to explain or fix);
  uncited - no policy cites the check (outside the pack's catalogue, or a gap).

    .venv/bin/python scripts/checkov_crosscheck.py --checkov /tmp/ck/bin/checkov --stack jakarta-prod \\
        tests/fixtures/programs/policy_cases_fsbp_data
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "policies"))

from siaga_rules.registry import all_policies  # noqa: E402

from siaga import checkov  # noqa: E402
from siaga.analyzer import analyze  # noqa: E402
from siaga.engine import run_program, run_stack  # noqa: E402


def citations() -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for p in all_policies():
        for t in p.tags or []:
            if t.startswith("checkov:"):
                out[t.split(":", 1)[1]].add(p.name)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("programs", nargs="*", type=Path)
    parser.add_argument("--stack", action="append", default=[], help="a reference stack (stacks/Pulumi.NAME.yaml)")
    parser.add_argument("--checkov", default="checkov", help="the checkov command (an optional tool)")
    args = parser.parse_args(argv)
    cited = citations()
    status: Counter[tuple[str, str]] = Counter()
    missed: list[str] = []
    names: dict[str, str] = {}
    graphs = [(f"stack {s}", run_stack(s)) for s in args.stack]
    graphs += [(str(p), run_program(p, stack="dev")) for p in args.programs]
    for label, graph in graphs:
        result = analyze(graph, packs=[ROOT / "policies"])
        flagged = {(f.policy, f.urn) for f in result.findings if "cannot be verified" not in f.message}
        plan = checkov.to_plan(graph)
        with tempfile.TemporaryDirectory() as tmp:
            failures = checkov.run(plan, Path(tmp), checkov=args.checkov)
        for f in failures:
            names[f.check_id] = f.check_name
            policies = cited.get(f.check_id, set())
            if not policies:
                kind = "uncited"
            elif any((p, f.urn) in flagged for p in policies):
                kind = "matched"
            else:
                kind = "missed"
                missed.append(f"{label}: {f.check_id} on {f.address} (cited by {', '.join(sorted(policies))})")
            status[(f.check_id, kind)] += 1
    print("| Checkov check | name | matched | missed | uncited |\n|---|---|---|---|---|")
    for check in sorted({c for c, _ in status}):
        print(f"| {check} | {names[check]} | {status[(check, 'matched')]} | {status[(check, 'missed')]} | "
              f"{status[(check, 'uncited')]} |")
    totals = Counter(kind for (_, kind), n in status.items() for _ in range(n))
    print(f"\nfailures: {sum(totals.values())}; matched {totals['matched']}, missed {totals['missed']}, "
          f"uncited {totals['uncited']}")
    for line in missed:
        print(f"missed: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
