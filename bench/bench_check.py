"""`make bench`: how long `siaga check` takes, and what it adds on top of the program's own mock run.

For every reference stack in stacks/ and for synthetic stacks of 10, 20, 40, 47 (~520 resources) and 80 services
(bench/programs/services, N copies of a small service), measures in the same run:
  - bare: the program under the SDK's own mocks alone, one fresh process (bench/bare_mocks.py);
  - check: the whole `python -m siaga check` command (program + policy packs + report), wall time;
then prints a table (resources, times, resources/s, ratio check/bare) and writes
bench/results/bench_check.json and bench/results/bench_check.png. Not a test: nothing is asserted;
the targets (2 cores) are printed next to the numbers: reference stack < 5 s, ratio < 1.5, linear growth.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from siaga.engine import EngineError, run_program  # noqa: E402

SERVICES = REPO / "bench" / "programs" / "services"
RESULTS = REPO / "bench" / "results"
FIXTURE_PACK = REPO / "tests" / "fixtures" / "packs" / "check_pack"
console = Console(width=None if sys.stdout.isatty() else 150)


def _bare(program: Path, stack: str, overrides: dict[str, str]) -> tuple[float, int]:
    """The program alone under the SDK's own mocks, one fresh process (bench/bare_mocks.py), wall time; the number
    of resources is the offline engine's (it adds the stack and the default providers the engine creates)."""
    t = time.perf_counter()
    done = subprocess.run([sys.executable, str(REPO / "bench" / "bare_mocks.py"), str(program), stack,
                           *(f"{k}={v}" for k, v in overrides.items())], cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"bare run of {program} exited {done.returncode}: "
                           f"{(done.stderr.strip().splitlines() or ['?'])[-1]}")
    return wall, len(run_program(program, stack=stack, overrides=overrides).resources)


def _check(program: Path | None, stack: str, overrides: dict[str, str], pack: Path) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory(prefix="siaga-bench-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "siaga", "check", "--stack", stack, "--policy-pack", str(pack),
               "--format", "json", "--output", str(out)]
        if program is not None:
            cmd.insert(4, str(program))
        for k, v in overrides.items():
            cmd += ["--config", f"{k}={v}"]
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
        wall = time.perf_counter() - t
        if proc.returncode not in (0, 1) or not out.is_file():
            raise RuntimeError(f"siaga check {stack} exited {proc.returncode}: "
                               f"{(proc.stderr.strip().splitlines() or ['?'])[-1]}")
        data = json.loads(out.read_text())
        data["exit_code"] = proc.returncode
        return wall, data


def measure(label: str, program: Path | None, stack: str, overrides: dict[str, str], pack: Path,
            repeat: int) -> dict:
    bares, checks, data = [], [], {}
    resources = 0
    for _ in range(repeat):  # alternate so both see the same machine load
        b, resources = _bare(program or REPO, stack, overrides)
        c, run = _check(program, stack, overrides, pack)
        bares.append(b)
        if not checks or c < min(checks):
            data = run  # the program/policies split of the fastest check
        checks.append(c)
    bare, check = min(bares), min(checks)
    s = data["summary"]
    return {"stack": label, "resources": resources, "bare_s": round(bare, 3), "check_s": round(check, 3),
            "resources_per_s": round(resources / check, 1), "ratio": round(check / bare, 2),
            "program_s": s["seconds"].get("program"), "policies_s": s["seconds"].get("policies"),
            "policies": s["policies"], "evaluations": s["evaluations"], "mandatory": s["mandatory"],
            "exit_code": data["exit_code"]}


def _linearity(rows: list[dict]) -> tuple[float, float, float]:
    """Least-squares check_s = a + b * resources over the synthetic rows -> (a, b, r^2)."""
    xs = [r["resources"] for r in rows]
    ys = [r["check_s"] for r in rows]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (a + b * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    return a, b, 1 - ss_res / ss_tot if ss_tot else 1.0


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    synth = [r for r in rows if r["stack"].startswith("synthetic")]
    refs = [r for r in rows if not r["stack"].startswith("synthetic")]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label, marker in (("check_s", "siaga check (wall)", "o"), ("bare_s", "bare mock run", "s")):
        ax1.plot([r["resources"] for r in synth], [r[key] for r in synth], marker=marker, label=f"{label}, synthetic")
        if refs:
            ax1.scatter([r["resources"] for r in refs], [r[key] for r in refs], marker="x", s=60,
                        label=f"{label}, reference stacks")
    ax1.axhline(5, color="grey", ls=":", lw=1, label="reference target 5 s")
    ax1.set_xlabel("resources")
    ax1.set_ylabel("seconds")
    ax1.set_title("time vs resources")
    ax1.legend(fontsize=7)
    ax2.bar([r["stack"].replace("synthetic-", "") for r in rows], [r["ratio"] for r in rows], color="tab:blue")
    ax2.axhline(1.5, color="red", ls="--", lw=1, label="target 1.5")
    ax2.set_ylabel("check / bare mock run")
    ax2.set_title("overhead of policies and reports")
    ax2.tick_params(axis="x", labelrotation=30, labelsize=7)
    ax2.legend(fontsize=7)
    fig.suptitle(f"siaga check benchmark ({os.cpu_count()} cores)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,20,40,47,80", help="synthetic service counts")
    ap.add_argument("--repeat", type=int, default=3, help="runs per stack (the fastest is kept)")
    ap.add_argument("--stacks", default=None, help="reference stacks to measure, comma-separated (default: all; '' none)")
    ap.add_argument("--policy-pack", type=Path, default=None, help="default: policies/ (else the test fixture pack)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    pack = args.policy_pack or (REPO / "policies" if (REPO / "policies" / "PulumiPolicy.yaml").is_file() else FIXTURE_PACK)
    rows: list[dict] = []
    stacks = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in (REPO / "stacks").glob("Pulumi.*.yaml"))
    if args.stacks is not None:
        stacks = [s for s in stacks if s in args.stacks.split(",")]
    with console.status("benchmarking…") as status:
        for stack in stacks:
            status.update(f"reference stack {stack}")
            try:
                rows.append(measure(stack, None, stack, {}, pack, args.repeat))
            except (EngineError, RuntimeError) as exc:
                console.print(f"[yellow]skipped {stack}:[/] {str(exc).splitlines()[0]}")
        for n in [int(x) for x in args.sizes.split(",") if x]:
            status.update(f"synthetic stack, {n} services")
            rows.append(measure(f"synthetic-{n}", SERVICES, "bench", {"benchservices:services": str(n)}, pack,
                                args.repeat))
    table = Table(title=f"siaga check benchmark — pack {pack.relative_to(REPO) if pack.is_relative_to(REPO) else pack}, "
                        f"{os.cpu_count()} cores, best of {args.repeat}")
    for col in ("stack", "resources", "bare mock run s", "check s", "resources/s", "check/bare",
                "program s", "policies s", "evaluations", "exit"):
        table.add_column(col, justify="left" if col == "stack" else "right")
    for r in rows:
        ratio = f"[{'green' if r['ratio'] < 1.5 else 'red'}]{r['ratio']:.2f}[/]"
        check = f"[{'green' if r['check_s'] < 5 or r['stack'].startswith('synthetic') else 'red'}]{r['check_s']:.2f}[/]"
        table.add_row(r["stack"], str(r["resources"]), f"{r['bare_s']:.2f}", check, f"{r['resources_per_s']:.0f}",
                      ratio, f"{r['program_s']:.2f}", f"{r['policies_s']:.2f}", str(r["evaluations"]),
                      str(r["exit_code"]))
    synth = [r for r in rows if r["stack"].startswith("synthetic")]
    if len(synth) >= 2:
        a, b, r2 = _linearity(synth)
        table.caption = (f"synthetic: check ≈ {a:.2f} s + {b * 1000:.2f} ms × resources (r² = {r2:.3f}); "
                         "targets: reference < 5 s, check/bare < 1.5, linear growth")
    console.print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_check.json").write_text(json.dumps({"pack": str(pack), "cores": os.cpu_count(),
                                                           "repeat": args.repeat, "rows": rows}, indent=2) + "\n")
    plot(rows, args.out / "bench_check.png")
    console.print(f"wrote {args.out / 'bench_check.json'} and {args.out / 'bench_check.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
