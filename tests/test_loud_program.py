"""A program that prints megabytes (200 000 lines on stdout and stderr, 20 000 warnings, one 2 MB
``pulumi.log.warn``) costs siaga linear time and bounded memory: the first and last messages kept, the rest
counted, a long message clipped; the crash line is still the program's last words."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from siaga.engine.bounded import BoundedLines, clip, tail_of_file

ROOT = Path(__file__).resolve().parent.parent
LOUD = """\
import sys, pulumi, pulumi_aws as aws
for i in range(200_000):
    print(f"line {i} of noise on stdout")
    print(f"line {i} of noise on stderr", file=sys.stderr)
pulumi.log.warn("W" * 2_000_000)
for i in range(20_000):
    pulumi.log.warn(f"warning {i}")
aws.sns.Topic("t")
"""


def _program(tmp_path: Path, body: str) -> Path:
    prog = tmp_path / "loud"
    prog.mkdir()
    (prog / "Pulumi.yaml").write_text("name: loud\nruntime: python\n")
    (prog / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-southeast-3\n")
    (prog / "__main__.py").write_text(body)
    return prog


class TestLoudProgram:
    def test_preview_stays_fast_and_output_bounded(self, tmp_path: Path) -> None:
        start = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "siaga", "preview", str(_program(tmp_path, LOUD)), "--stack",
                               "dev"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        took = time.monotonic() - start
        assert done.returncode == 0, done.stderr[-2000:]
        assert took < 120, took  # unbounded, rich spent minutes wrapping the 2 MB line
        assert "(1998000 more characters)" in done.stdout and "more messages left out" in done.stdout
        assert "warning 19999" in done.stdout and "warning 10000" not in done.stdout
        assert len(done.stdout) < 200_000

    def test_a_crash_after_much_output_still_names_its_last_line(self, tmp_path: Path) -> None:
        body = ("import sys\nfor i in range(200_000):\n    print(f'noise {i}', file=sys.stderr)\n"
                "raise SystemExit('the last words of the program')\n")
        done = subprocess.run([sys.executable, "-m", "siaga", "preview", str(_program(tmp_path, body)), "--stack",
                               "dev"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert done.returncode == 2 and len(lines) == 1 and "the last words of the program" in lines[0], lines


class TestBoundedLines:
    def test_head_tail_and_count_in_linear_time(self) -> None:
        log = BoundedLines(head=3, tail=2)
        start = time.monotonic()
        for i in range(200_000):
            log.append(f"m{i}")
        assert time.monotonic() - start < 2
        assert list(log) == ["m0", "m1", "m2", "… 199995 more messages left out (the first 3 and the last 2 are "
                             "shown)", "m199998", "m199999"]

    def test_small_logs_are_unchanged(self) -> None:
        log = BoundedLines()
        log.append("a")
        assert list(log) == ["a"] and "a" in log and len(log) == 1

    def test_clip(self) -> None:
        assert clip("x" * 10, 4) == "xxxx … (6 more characters)" and clip("short") == "short"

    def test_tail_of_file(self, tmp_path: Path) -> None:
        path = tmp_path / "err"
        path.write_text("".join(f"line {i}\n" for i in range(100_000)))
        text = tail_of_file(path, limit=1000)
        assert text.startswith("… (") and text.rstrip().endswith("line 99999") and len(text) < 1100
        assert tail_of_file(path, limit=10**9) == path.read_text()
