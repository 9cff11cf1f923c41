"""No secret value in any byte siaga writes: the graph, every report format, documents, the runner's command line
and environment. The fixture program receives secrets every way a user gives them (tests/fixtures/programs/secrets)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siaga.cli import app
from siaga.engine import run_program
from siaga.engine.preview import start_program
from siaga.engine.secrets import REDACTED

PROGRAM = Path(__file__).parent / "fixtures/programs/secrets"
SECRETS = ("plain-in-file-read-as-secret-9f3a", "given-on-the-command-line-77ab", "wrapped-secret-value-5e6f")
EXTRA = f"secretsprobe:extraToken={SECRETS[1]}"


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_graph_has_no_secret_and_marks_what_was_redacted() -> None:
    graph = run_program(PROGRAM, stack="dev", secret_overrides={"secretsprobe:extraToken": SECRETS[1]})
    text = graph.model_dump_json()
    assert not _leaks(text), _leaks(text)
    assert graph.config["secretsprobe:dbPassword"] == REDACTED  # read with require_secret
    assert graph.config["secretsprobe:extraToken"] == REDACTED  # --secret-config
    assert graph.config["secretsprobe:apiToken"] == REDACTED  # secure: in the stack file
    assert graph.config["aws:region"] == "ap-southeast-3"  # the rest stays readable
    by_name = {r.name: r for r in graph.resources}
    assert "[secret]" in json.dumps(by_name["p"].inputs)  # the explicit provider's secretKey
    assert by_name["extra"].inputs["description"] == f"token {REDACTED} for the batch job"
    assert by_name["p"].inputs["region"] == "ap-southeast-3"  # not a secret: untouched
    assert graph.exports and not _leaks(json.dumps(graph.exports))


def test_every_cli_output_is_free_of_secrets(tmp_path: Path) -> None:
    runner = CliRunner()
    graph_file = tmp_path / "graph.json"
    done = runner.invoke(app, ["preview", str(PROGRAM), "--stack", "dev", "--secret-config", EXTRA,
                               "--json", str(graph_file)], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    outputs = [done.output, graph_file.read_text(encoding="utf-8")]
    reports = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "sarif", "junit", "markdown", "text")}
    done = runner.invoke(app, ["check", str(PROGRAM), "--stack", "dev", "--secret-config", EXTRA,
                               *sum((["--report", f"{f}={p}"] for f, p in reports.items()), [])],
                         env={"COLUMNS": "200"})
    assert done.exit_code in (0, 1), done.output
    outputs += [done.output, *(p.read_text(encoding="utf-8") for p in reports.values())]
    for out in outputs:
        assert not _leaks(out), _leaks(out)


def test_report_documents_are_free_of_secrets(tmp_path: Path) -> None:
    value = "TopSecretAwsKeyValue-0123"
    done = CliRunner().invoke(app, ["report", "--stack", "jakarta-staging", "--output", str(tmp_path),
                                    "--secret-config", f"aws:secretKey={value}"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written
    assert value not in done.output
    for p in written:
        assert value.encode() not in p.read_bytes(), p


def test_runner_gets_no_config_on_its_command_line_or_environment() -> None:
    running = start_program(PROGRAM, stack="dev", secret_overrides={"secretsprobe:extraToken": SECRETS[1]})
    try:
        pid = running.proc.pid
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        environ = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    finally:
        graph = running.wait()
    for text in (cmdline, environ, " ".join(running.proc.args)):
        assert not _leaks(text) and "dbPassword" not in text and "PULUMI_CONFIG" not in text
    assert not _leaks(graph.model_dump_json())


def test_secret_config_error_never_echoes_the_value() -> None:
    done = CliRunner().invoke(app, ["preview", "--stack", "jakarta-staging", "--secret-config", SECRETS[1]])
    assert done.exit_code == 2 and SECRETS[1] not in done.output and "--secret-config" in done.output


def test_a_program_cannot_forge_the_result(tmp_path: Path) -> None:
    """A program that writes a clean-looking result wherever siaga might read one changes nothing: the graph is built
    in siaga's own process from what the program registers (the gRPC monitor), never read back from a file."""
    prog = tmp_path / "forger"
    prog.mkdir()
    (prog / "Pulumi.yaml").write_text("name: forger\nruntime: python\n", encoding="utf-8")
    (prog / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-southeast-3\n", encoding="utf-8")
    (prog / "__main__.py").write_text('''
import glob, json, os, sys, tempfile
import pulumi_aws as aws
fake = {"graph": {"project": "forger", "stack": "dev", "program": "x", "resources": []}, "error": None}
for d in glob.glob(os.path.join(tempfile.gettempdir(), "siaga-*")):
    # only the predictable name: listing other runs' folders and overwriting their files would sabotage
    # concurrent test runs, not test this one
    if os.path.exists(os.path.join(d, "spec.json")):
        continue  # a run that has not started its program yet
    try:
        with open(os.path.join(d, "result.json"), "x") as f:
            json.dump(fake, f)
    except OSError:
        pass
aws.s3.BucketV2("data", region="eu-west-1")
''', encoding="utf-8")
    graph = run_program(prog, stack="dev")
    assert [r.name for r in graph.resources if r.custom and not r.type.startswith("pulumi:")] == ["data"]
    assert graph.project == "forger" and graph.program != "x"  # the real result, not the forged one


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_nothing_of_the_program_outlives_the_run(tmp_path: Path) -> None:
    prog = tmp_path / "lingerer"
    prog.mkdir()
    (prog / "Pulumi.yaml").write_text("name: lingerer\nruntime: python\n", encoding="utf-8")
    (prog / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-southeast-3\n", encoding="utf-8")
    pidfile = tmp_path / "child.pid"
    (prog / "__main__.py").write_text(f'''
import subprocess
child = subprocess.Popen(["sleep", "300"])
open({str(pidfile)!r}, "w").write(str(child.pid))
''', encoding="utf-8")
    run_program(prog, stack="dev")
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 10  # SIGKILL is delivered asynchronously
    while time.monotonic() < deadline:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return  # gone
        if cmdline != b"sleep\x00300\x00" or state in ("Z", "X"):
            return
        time.sleep(0.1)
    pytest.fail("the program's child is still running after the run")
