"""Every input file type under random bytes and random YAML: one line, the right error, no traceback, no new file.
And the command line's own edges: a closed stdout, a reader that goes away, outputs to places that cannot be
written, an alias bomb, a dangling symlink."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.config import ConfigError, parse_config
from siaga.analyzer.config import load_policy_config
from siaga.analyzer.errors import AnalyzerError
from siaga.engine.project import ProjectError, load_project, load_stack_config
from siaga.waivers import WaiverError, load_waivers

ROOT = Path(__file__).resolve().parent.parent
SIAGA = [sys.executable, "-m", "siaga"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
                    st.dates().map(lambda d: d), st.binary(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                      max_leaves=12)
TAGGED = ["!!binary aGVsbG8=", "!!set {a, b}", "!!python/object:os.system ls", "2026-13-45", "2027-01-01 10:00:00",
          "&a [*a]", "!custom x", "? [1, 2]\n: complex key", "\t- tab", "{a: 1, a: 2}", "%YAML 9.9\n---\nx: 1"]


def _yaml_docs() -> st.SearchStrategy[bytes]:
    dumped = values.map(lambda v: yaml.dump(v, allow_unicode=True).encode("utf-8", "surrogatepass"))
    tagged = st.sampled_from(TAGGED).map(str.encode)
    structured = st.builds(lambda k, t: f"{k}:\n  nested: {t}\n".encode(), st.sampled_from(["config", "name", "waivers", "x"]),
                           st.sampled_from(TAGGED))
    return st.one_of(st.binary(max_size=400), dumped, tagged, structured)


def _one_line(exc: Exception) -> None:
    text = str(exc)
    assert text and "\n" not in text.strip() and "Traceback" not in text, text


def _no_new_files(folder: Path, before: set[str]) -> None:
    assert {p.name for p in folder.iterdir()} == before


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(data=_yaml_docs())
def test_project_file(tmp_path: Path, data: bytes) -> None:
    folder = tmp_path / "p"
    folder.mkdir(exist_ok=True)
    (folder / "Pulumi.yaml").write_bytes(data)
    before = {p.name for p in folder.iterdir()}
    try:
        load_project(folder)
    except ProjectError as exc:
        _one_line(exc)
    _no_new_files(folder, before)


@SETTINGS
@given(data=_yaml_docs())
def test_stack_file(tmp_path: Path, data: bytes) -> None:
    folder = tmp_path / "s"
    folder.mkdir(exist_ok=True)
    (folder / "Pulumi.yaml").write_text("name: probe\nruntime: python\n")
    (folder / "Pulumi.dev.yaml").write_bytes(data)
    before = {p.name for p in folder.iterdir()}
    try:
        config, _ = load_stack_config(load_project(folder), "dev")
        assert all(isinstance(v, str) for v in config.values())  # what the CLI hands the program: strings
    except ProjectError as exc:
        _one_line(exc)
    _no_new_files(folder, before)


@SETTINGS
@given(data=_yaml_docs())
def test_waivers_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_bytes(data)
    try:
        load_waivers(path, today=dt.date(2026, 12, 1))
    except WaiverError as exc:
        _one_line(exc)


@SETTINGS
@given(data=_yaml_docs(), suffix=st.sampled_from([".json", ".yaml"]))
def test_policy_config_file(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"policy{suffix}"
    path.write_bytes(data)
    try:
        load_policy_config(path)
    except AnalyzerError as exc:
        _one_line(exc)


@SETTINGS
@given(value=values, key=st.sampled_from(["agency", "domain", "azCount", "cluster", "alertContacts", "standby",
                                           "tags", "database", "dns", "allowedRegions"]))
def test_stack_config_values(value: object, key: str) -> None:
    base = yaml.safe_load((ROOT / "stacks/Pulumi.jakarta-staging.yaml").read_text())["config"]
    base[f"siaga:{key}"] = value
    try:
        parse_config(base)
    except ConfigError as exc:
        assert str(exc).strip() and "Traceback" not in str(exc)
        assert all(line.startswith("siaga:") or line.startswith("aws:") for line in str(exc).splitlines())


def _run(*args: str, cwd: Path = ROOT, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SIAGA, *args], capture_output=True, text=True, cwd=cwd, timeout=120, **kw)  # type: ignore[call-overload]


@pytest.mark.parametrize("content", [
    b"\xff\xfe not utf-8", b"config: [1, 2]", b"- just\n- a list\n",
    b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    b"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nconfig: {x: *e}\n",
    b"config:\n  aws:region: !!binary aGVsbG8=\n", b"config:\n  aws:region: !!set {a}\n",
])
def test_bad_stack_file_is_one_line_exit_2(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: probe\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_bytes(content)
    (tmp_path / "__main__.py").write_text("import pulumi\n")
    before = {p.name for p in tmp_path.iterdir()}
    done = _run("preview", str(tmp_path), "--stack", "dev")
    assert done.returncode == 2, done.stderr
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr and "Pulumi.dev.yaml" in lines[0], lines
    _no_new_files(tmp_path, before)


def test_dangling_symlink_stack_file(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: probe\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").symlink_to(tmp_path / "gone.yaml")
    done = _run("preview", str(tmp_path), "--stack", "dev")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    waivers = tmp_path / "w.yaml"
    waivers.symlink_to(tmp_path / "gone.yaml")
    with pytest.raises(WaiverError, match="does not exist"):
        load_waivers(waivers)


def test_outputs_that_cannot_be_written_are_one_line_exit_2(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("x")  # a file where a folder is expected
    for args in (["preview", "--stack", "jakarta-staging", "--json", str(blocked / "g.json")],
                 ["check", "--stack", "jakarta-staging", "--output", str(blocked / "r.json"), "--format", "json"],
                 ["report", "--stack", "jakarta-staging", "--output", str(blocked / "docs")]):
        done = _run(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and "cannot" in done.stderr, done.stderr


def test_closed_stdout_and_broken_pipe_exit_2() -> None:
    done = subprocess.run([*SIAGA, "preview", "--stack", "jakarta-staging"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120, close_fds=True,
                          preexec_fn=lambda: os.close(1))
    assert done.returncode == 2 and "standard output is closed" in done.stderr
    proc = subprocess.Popen([*SIAGA, "preview", "--stack", "jakarta-prod"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # the reader goes away (siaga preview | head -c 10)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(120) == 2 and "Traceback" not in err, err


def test_contact_email_with_a_trailing_newline_is_refused() -> None:
    base = yaml.safe_load((ROOT / "stacks/Pulumi.jakarta-staging.yaml").read_text())["config"]
    base["siaga:alertContacts"] = [{"name": "TTIS", "email": "ttis@contoh.go.id\n"}]
    with pytest.raises(ConfigError, match="alertContacts.0.email"):
        parse_config(base)
    base["siaga:alertContacts"] = [{"name": "TTIS", "email": "ttis@contoh.go.id"}]
    base["siaga:domain"] = "layanan.contoh.go.id\n"
    with pytest.raises(ConfigError, match="siaga:domain"):
        parse_config(base)
