"""`make bench`: how long `siaga check` takes, and what it adds on top of the program's own mock run.

Two synthetic program shapes, each at ~520, ~1000 and ~2000 resources (`--sizes`), and every reference stack in
stacks/:
  - services (bench/programs/services): N copies of a small service under a component (bucket, queue, key, role,
    security group, log group), 11 resources a service;
  - stateful (bench/programs/stateful): N copies of an agency's data tier (KMS key and alias, PostgreSQL and its
    parameter group, a bucket with versioning, encryption, public access block and ownership, a Backup vault, plan
    and selection), 12 resources a service: the types most of the pack's policies read.
It measures in the same run, alternating, best of 3:
  - baseline: the program under the SDK's own mocks alone, one fresh process. For the synthetic shapes that is
    bench/plain_mocks.py, with no siaga code at all (resources answered with their inputs); the reference stacks
    read an account id and AZs, so they run under bench/bare_mocks.py, which answers with the engine's pure tables;
  - check: the whole `python -m siaga check` command (program + policy packs + report), wall time, and the peak
    resident memory of its largest process;
then prints a table (resources, times, resources/s, ratio check/baseline) and writes
bench/results/bench_check.json and bench/results/bench_check.png. Not a test: nothing is asserted; the targets
(2 cores) are printed next to the numbers: check/baseline <= 1.25 at ~520 resources, linear to 2000.
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
STATEFUL = REPO / "bench" / "programs" / "stateful"
SHAPES = {  # name: (program, config key of its service count, resources a service)
    "services": (SERVICES, "benchservices:services", 11),
    "stateful": (STATEFUL, "benchstateful:services", 12),
}
RATIO_TARGET = 1.25
RESULTS = REPO / "bench" / "results"
FIXTURE_PACK = REPO / "tests" / "fixtures" / "packs" / "check_pack"
console = Console(width=None if sys.stdout.isatty() else 150)


def _bare(program: Path, stack: str, overrides: dict[str, str], plain: bool) -> tuple[float, int]:
    """The program alone under the SDK's own mocks, one fresh process (bench/plain_mocks.py when ``plain``, else
    bench/bare_mocks.py), wall time; the number of resources is the offline engine's (it adds the stack and the
    default providers the engine creates)."""
    t = time.perf_counter()
    script = "plain_mocks.py" if plain else "bare_mocks.py"
    done = subprocess.run([sys.executable, str(REPO / "bench" / script), str(program), stack,
                           *(f"{k}={v}" for k, v in overrides.items())], cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"bare run of {program} exited {done.returncode}: "
                           f"{(done.stderr.strip().splitlines() or ['?'])[-1]}")
    return wall, len(run_program(program, stack=stack, overrides=overrides).resources)


_RSS_WRAPPER = ("import resource, subprocess, sys; rc = subprocess.call(sys.argv[2:]); "
                "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
                "sys.exit(rc)")


def _check(program: Path | None, stack: str, overrides: dict[str, str], pack: Path) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory(prefix="siaga-bench-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "siaga", "check", "--stack", stack, "--policy-pack", str(pack),
               "--format", "json", "--output", str(out)]
        if program is not None:
            cmd.insert(4, str(program))
        for k, v in overrides.items():
            cmd += ["--config", f"{k}={v}"]
        rss = Path(tmp) / "rss"
        t = time.perf_counter()
        # through a one-line parent whose only children are siaga's tree: its RUSAGE_CHILDREN peak is the largest
        # process of this check (siaga waits for the program and the pack servers)
        proc = subprocess.Popen([sys.executable, "-c", _RSS_WRAPPER, str(rss), *cmd], cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "COLUMNS": "200"})
        _, stderr = proc.communicate()
        wall = time.perf_counter() - t
        if proc.returncode not in (0, 1) or not out.is_file():
            raise RuntimeError(f"siaga check {stack} exited {proc.returncode}: "
                               f"{(str(stderr).strip().splitlines() or ['?'])[-1]}")
        data = json.loads(out.read_text())
        data["exit_code"] = proc.returncode
        data["peak_rss_mib"] = round(int(rss.read_text()) / 1024, 1)
        return wall, data


def measure(label: str, program: Path | None, stack: str, overrides: dict[str, str], pack: Path,
            repeat: int, plain: bool = False) -> dict:
    bares, checks, data = [], [], {}
    resources = 0
    for _ in range(repeat):  # alternate so both see the same machine load
        b, resources = _bare(program or REPO, stack, overrides, plain)
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
            "exit_code": data["exit_code"], "baseline": "plain" if plain else "bare",
            "peak_rss_mib": data["peak_rss_mib"]}


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


def _synthetic(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        if r.get("shape"):
            out.setdefault(r["shape"], []).append(r)
    return out


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    refs = [r for r in rows if not r.get("shape")]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for shape, synth in _synthetic(rows).items():
        xs = [r["resources"] for r in synth]
        ax1.plot(xs, [r["check_s"] for r in synth], marker="o", label=f"siaga check, {shape}")
        ax1.plot(xs, [r["bare_s"] for r in synth], marker="s", ls="--", label=f"plain mock run, {shape}")
    if refs:
        ax1.scatter([r["resources"] for r in refs], [r["check_s"] for r in refs], marker="x", s=60,
                    label="siaga check, reference stacks")
    ax1.set_xlabel("resources")
    ax1.set_ylabel("seconds (wall)")
    ax1.set_title("time vs resources")
    ax1.legend(fontsize=7)
    ax2.bar([r["stack"] for r in rows], [r["ratio"] for r in rows], color="tab:blue")
    ax2.axhline(RATIO_TARGET, color="red", ls="--", lw=1, label=f"target {RATIO_TARGET} (~520 resources)")
    ax2.set_ylabel("check / baseline mock run")
    ax2.set_title("what siaga adds to the program's own run")
    ax2.tick_params(axis="x", labelrotation=30, labelsize=7)
    ax2.legend(fontsize=7)
    fig.suptitle(f"siaga check benchmark ({os.cpu_count()} cores)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", default="520,1000,2000",
                    help="synthetic sizes in resources (each shape takes the nearest whole number of services)")
    ap.add_argument("--shapes", default=",".join(SHAPES), help=f"synthetic shapes ({', '.join(SHAPES)}; '' none)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per stack (the fastest is kept)")
    ap.add_argument("--stacks", default=None, help="reference stacks to measure, comma-separated (default: all; '' none)")
    ap.add_argument("--policy-pack", type=Path, default=None, help="default: policies/ (else the test fixture pack)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    pack = args.policy_pack or (REPO / "policies" if (REPO / "policies" / "PulumiPolicy.yaml").is_file() else FIXTURE_PACK)
    shapes = [s for s in args.shapes.split(",") if s]
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown:
        ap.error(f"--shapes {','.join(unknown)}: allowed: {', '.join(SHAPES)}")
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
        for shape in shapes:
            program, key, per_service = SHAPES[shape]
            for target in [int(x) for x in args.resources.split(",") if x]:
                n = max(1, round(target / per_service))
                status.update(f"{shape}, {n} services (~{target} resources)")
                row = measure(f"{shape}-{n}", program, "bench", {key: str(n)}, pack, args.repeat, plain=True)
                rows.append({**row, "shape": shape, "services": n})
    table = Table(title=f"siaga check benchmark — pack {pack.relative_to(REPO) if pack.is_relative_to(REPO) else pack}, "
                        f"{os.cpu_count()} cores, best of {args.repeat}")
    for col in ("stack", "resources", "baseline", "baseline s", "check s", "resources/s", "check/baseline",
                "program s", "policies s", "evaluations", "peak MiB", "exit"):
        table.add_column(col, justify="left" if col in ("stack", "baseline") else "right")
    for r in rows:
        ratio = f"[{'green' if r['ratio'] <= RATIO_TARGET else 'red'}]{r['ratio']:.2f}[/]"
        table.add_row(r["stack"], str(r["resources"]), r["baseline"], f"{r['bare_s']:.2f}", f"{r['check_s']:.2f}",
                      f"{r['resources_per_s']:.0f}", ratio, f"{r['program_s']:.2f}", f"{r['policies_s']:.2f}",
                      str(r["evaluations"]), f"{r['peak_rss_mib']:.0f}", str(r["exit_code"]))
    fits = []
    for shape, synth in _synthetic(rows).items():
        if len(synth) >= 2:
            a, b, r2 = _linearity(synth)
            fits.append(f"{shape}: check ≈ {a:.2f} s + {b * 1000:.2f} ms × resources (r² = {r2:.3f})")
    table.caption = "; ".join(fits + [f"target: check/baseline <= {RATIO_TARGET} at ~520 resources, linear to 2000"])
    console.print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_check.json").write_text(json.dumps({"pack": str(pack), "cores": os.cpu_count(),
                                                           "repeat": args.repeat, "rows": rows}, indent=2) + "\n")
    plot(rows, args.out / "bench_check.png")
    console.print(f"wrote {args.out / 'bench_check.json'} and {args.out / 'bench_check.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
