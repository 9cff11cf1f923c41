"""Terminal output never obeys data: resource names, messages and errors are printed as written (rich markup such
as ``[secret]`` or ``[link=...]`` literally), without control or bidi characters (a U+202E name cannot reorder the
line), in the preview tree, the text report, warnings and one-line errors; --help shows ``[secret]``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["[secret]", "[bold red]x[/]", "[link=https://evil.example]click[/link]", "rlo\u202eexe.txt",
         "bell\x07esc\x1b[2Jcsi\x9b", "iso\u2066x\u2069"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    prog = tmp_path_factory.mktemp("hostile")
    (prog / "Pulumi.yaml").write_text("name: hostile\nruntime: python\n")
    (prog / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-southeast-3\n")
    (prog / "__main__.py").write_text("import pulumi, pulumi_aws as aws\n"
                                      + "".join(f"aws.sns.Topic({n!r})\n" for n in NAMES)
                                      + "pulumi.log.warn('[secret] \\u202e warned')\n")
    return prog


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "siaga", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, env=env)


def _clean(text: str) -> None:
    for ch in ("\x07", "\x1b", "\x9b", "\u202e", "\u2066", "\u2069"):
        assert ch not in text, repr(ch)


class TestPreviewTree:
    def test_names_print_as_written_without_controls(self, hostile: Path) -> None:
        done = _run("preview", str(hostile), "--stack", "dev")
        assert done.returncode == 0, done.stderr
        for literal in ("[secret]", "[bold red]x[/]", "[link=https://evil.example]click[/link]", "rloexe.txt",
                        "bellesc[2Jcsi", "isox"):
            assert literal in done.stdout, (literal, done.stdout)
        _clean(done.stdout + done.stderr)


class TestTextReport:
    def test_findings_print_as_written_without_controls(self, hostile: Path) -> None:
        done = _run("check", str(hostile), "--stack", "dev")
        assert done.returncode == 1, done.stderr
        assert "[secret]" in done.stdout and "[link=https://evil.example]click[/link]" in done.stdout
        _clean(done.stdout + done.stderr)


class TestErrors:
    def test_an_error_holding_markup_prints_it(self) -> None:
        done = _run("check", "--stack", "jakarta-prod", "--config", 'siaga:allowedRegions=["[secret]"]')
        assert done.returncode == 2 and "'[secret]'" in done.stderr, done.stderr

    def test_an_error_holding_bidi_is_cleaned(self, tmp_path: Path) -> None:
        name = tmp_path / "pol\u202eicy.json"
        done = _run("check", "--stack", "jakarta-prod", "--policy-config", str(name))
        assert done.returncode == 2 and "policy.json" in done.stderr
        _clean(done.stderr)

    def test_help_shows_secret_literally(self) -> None:
        done = _run("check", "--help")
        assert "shown as [secret] in the graph" in " ".join(done.stdout.replace("│", " ").split())
