"""Secret config off the command line: --secret-config-file FILE (0600 or stricter), --secret-config-file - and
SIAGA_SECRET_CONFIG reach the program as secrets (redacted everywhere) and never reach a child's environment;
--secret-config still works with a warning. Errors name the source, never the value."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from siaga.secret_inputs import ENV, SecretInputError, from_file, gather, parse

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "tests/fixtures/programs/secrets"
VALUE = "from-a-private-source-31c7"


def _preview(tmp_path: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
             ) -> tuple[subprocess.CompletedProcess[str], dict | None]:
    out = tmp_path / "graph.json"
    done = subprocess.run([sys.executable, "-m", "siaga", "preview", str(PROGRAM), "--stack", "dev", "--json", str(out),
                           *args], cwd=ROOT, capture_output=True, text=True, timeout=180, input=stdin,
                          env={**os.environ, **(env or {})})
    return done, (json.loads(out.read_text()) if out.exists() else None)


def _assert_secret_used_and_hidden(done: subprocess.CompletedProcess[str], graph: dict | None) -> None:
    assert done.returncode == 0, done.stderr
    assert graph is not None and graph["config"]["secretsprobe:extraToken"] == "[secret]"
    extra = next(r for r in graph["resources"] if r["name"] == "extra")
    assert extra["inputs"]["description"] == "token [secret] for the batch job"
    assert VALUE not in done.stdout + done.stderr + json.dumps(graph)


class TestSecretFile:
    def test_private_file(self, tmp_path: Path) -> None:
        path = tmp_path / "secrets.env"
        path.write_text(f"# CI secrets\nsecretsprobe:extraToken={VALUE}\n")
        path.chmod(0o600)
        _assert_secret_used_and_hidden(*_preview(tmp_path, "--secret-config-file", str(path)))

    @pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o602])
    def test_readable_or_writable_by_others_is_refused(self, tmp_path: Path, mode: int) -> None:
        path = tmp_path / "secrets.env"
        path.write_text(f"secretsprobe:extraToken={VALUE}\n")
        path.chmod(mode)
        with pytest.raises(SecretInputError, match=f"mode {mode:04o}.*0600 or stricter") as info:
            from_file(path)
        assert VALUE not in str(info.value)

    def test_refused_on_the_command_line_in_one_line(self, tmp_path: Path) -> None:
        path = tmp_path / "secrets.env"
        path.write_text(f"secretsprobe:extraToken={VALUE}\n")
        path.chmod(0o644)
        done, graph = _preview(tmp_path, "--secret-config-file", str(path))
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert done.returncode == 2 and len(lines) == 1 and "0644" in lines[0] and VALUE not in done.stderr
        assert graph is None

    def test_standard_input(self, tmp_path: Path) -> None:
        _assert_secret_used_and_hidden(*_preview(tmp_path, "--secret-config-file", "-",
                                                 stdin=f"secretsprobe:extraToken={VALUE}\n"))


class TestEnvironment:
    def test_environment_variable(self, tmp_path: Path) -> None:
        _assert_secret_used_and_hidden(*_preview(tmp_path, env={ENV: json.dumps({"secretsprobe:extraToken": VALUE})}))

    def test_no_child_inherits_it(self, tmp_path: Path) -> None:
        prog = tmp_path / "prog"
        prog.mkdir()
        (prog / "Pulumi.yaml").write_text("name: envprobe\nruntime: python\n")
        (prog / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-southeast-3\n")
        seen = tmp_path / "seen"
        (prog / "__main__.py").write_text(
            f"import os\nopen({str(seen)!r}, 'w').write(repr(os.environ.get({ENV!r})))\n")
        done = subprocess.run([sys.executable, "-m", "siaga", "preview", str(prog), "--stack", "dev"], cwd=ROOT,
                              capture_output=True, text=True, timeout=180,
                              env={**os.environ, ENV: f"envprobe:token={VALUE}"})
        assert done.returncode == 0, done.stderr
        assert seen.read_text() == "None"

    def test_gather_removes_it_and_the_command_line_wins(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(ENV, "a:x=env\na:y=env\n")
        assert gather(["a:x=cli"], None) == ["a:x=env", "a:y=env", "a:x=cli"]  # parse_overrides: the last wins
        assert ENV not in os.environ

    def test_not_used_with_state_but_still_removed(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(ENV, "a:x=env")
        assert gather(None, None, use_environment=False) == [] and ENV not in os.environ


class TestCommandLine:
    def test_still_works_with_a_warning(self, tmp_path: Path) -> None:
        done, graph = _preview(tmp_path, "--secret-config", f"secretsprobe:extraToken={VALUE}")
        assert "warning:" in done.stderr and "ps" in done.stderr and "--secret-config-file" in done.stderr
        assert graph is not None and graph["config"]["secretsprobe:extraToken"] == "[secret]"


class TestFormat:
    def test_lines_comments_and_equals_in_values(self) -> None:
        assert parse("# c\n\na:b=x=y\n  c:d = v \n", "t") == {"a:b": "x=y", "c:d": " v "}

    def test_json_object(self) -> None:
        assert parse('{"a:b": "line1\\nline2"}', "t") == {"a:b": "line1\nline2"}

    @pytest.mark.parametrize("text", ["novalue\n", "=x\n", "a=1\na=2\n", '{"a": 1}', "{bad",
                                      '{"a=b": "x"}'])
    def test_bad_content_is_one_line_without_the_value(self, text: str) -> None:
        with pytest.raises(SecretInputError) as info:
            parse(text + "", "src")
        assert str(info.value).startswith("src") and "\n" not in str(info.value)
        assert "x=y" not in str(info.value)
