"""Project, stack and policy-pack files validated as the Pulumi CLI validates them (siaga/engine/project_rules.py,
stack_rules.py), from the CLI's own cases: every folder of tests/fixtures/project/ is one rule (SOURCE names the
pulumi/pulumi test or code it is written from) with a file the CLI refuses (fail/, expect.txt holds the CLI's
message) and the corrected file it accepts (pass/). The repository's own files go through the same validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from siaga.engine.project import ProjectError, load_policy_pack, load_project, load_stack_config
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "project"
RULES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def _validate(folder: Path) -> None:
    """What siaga does before a program runs: the project (and the dev stack, when there is one), or the pack."""
    if (folder / "PulumiPolicy.yaml").is_file():
        load_policy_pack(folder)
        return
    project = load_project(folder)
    load_stack_config(project, "dev" if (folder / "Pulumi.dev.yaml").is_file() else None)


def test_every_rule_has_a_failing_and_a_passing_file() -> None:
    assert len(RULES) >= 30
    for rule in RULES:
        assert (FIXTURES / rule / "fail" / "expect.txt").is_file(), rule
        assert (FIXTURES / rule / "SOURCE").read_text().startswith("pulumi/pulumi"), rule
        assert any((FIXTURES / rule / "pass").iterdir()), rule


@pytest.mark.parametrize("rule", RULES)
def test_refused_with_the_cli_message(rule: str) -> None:
    folder = FIXTURES / rule / "fail"
    expected = (folder / "expect.txt").read_text().strip()
    with pytest.raises(ProjectError) as info:
        _validate(folder)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message, "one line"
    assert str(folder) in message, "names the file"


@pytest.mark.parametrize("rule", RULES)
def test_corrected_file_accepted(rule: str) -> None:
    _validate(FIXTURES / rule / "pass")


def test_rewrites_and_defaults_reach_the_program() -> None:
    """Shorthand values: a project key's is a default, another namespace's a value (TestNamespacedConfigValues-
    AreInheritedCorrectly); the stack wins; objects and arrays reach the program as JSON."""
    folder = FIXTURES / "config-namespaced-default" / "pass"
    config, _ = load_stack_config(load_project(folder), None)
    assert config["aws:region"] == "ap-southeast-3"
    config, _ = load_stack_config(load_project(FIXTURES / "config-declaration-attributes" / "pass"), None)
    assert json.loads(config["test:foo"]) == {"bar": "foobar"}
    config, secret = load_stack_config(load_project(FIXTURES / "stack-secret-required" / "pass"), "dev")
    assert config["test:importantNumber"] == "[secret]" and "test:importantNumber" in secret


def test_config_overrides_are_checked_like_pulumi_config_set(tmp_path: Path) -> None:
    folder = FIXTURES / "stack-type-integer" / "pass"
    project = load_project(folder)
    with pytest.raises(ProjectError, match="must be of type 'integer'"):
        load_stack_config(project, "dev", {"importantNumber": "twenty"})
    config, _ = load_stack_config(project, "dev", {"importantNumber": "21"})
    assert config["test:importantNumber"] == "21"


def test_secret_values_never_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIAGA_SECRET_CONFIG", '["hunter2"]')
    with pytest.raises(ProjectError) as info:
        load_stack_config(load_project(FIXTURES / "stack-key" / "pass"), "dev")
    assert "SIAGA_SECRET_CONFIG" in str(info.value) and "hunter2" not in str(info.value)


# --- the repository's own files --------------------------------------------------------------------------------


def test_repository_pulumi_yaml_passes() -> None:
    project = load_project(REPO)
    assert project.name == "siaga" and project.stack_config_dir == REPO / "stacks"
    assert project.config_schema["aws:region"] == {"value": "ap-southeast-3"}


@pytest.mark.parametrize("stack", sorted(p.name[len("Pulumi."):-len(".yaml")]
                                         for p in (REPO / "stacks").glob("Pulumi.*.yaml")))
def test_repository_stack_files_pass(stack: str) -> None:
    config, _ = load_stack_config(load_project(REPO), stack)
    assert config["siaga:region"] == "ap-southeast-3"


def test_repository_policy_pack_passes() -> None:
    pack = load_policy_pack(REPO / "policies")
    assert pack["runtime"]["name"] == "python" and pack["runtime"]["options"]["virtualenv"]


def test_stack_files_commit_no_ciphertext() -> None:
    """Reference stacks the CLI can initialise: a committed `secure:` would be another stack's ciphertext."""
    for path in (REPO / "stacks").glob("Pulumi.*.yaml"):
        assert "secure:" not in path.read_text(), path
        data = yaml.safe_load(path.read_text())
        assert not {"encryptionsalt", "encryptedkey", "secretsprovider"} & set(data), path


def test_missing_required_secret_is_one_line_with_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """hybrid-pdn without standby:kubeconfig: refused before any resource, naming `pulumi config set --secret`."""
    from siaga.engine import EngineError, run_stack

    monkeypatch.delenv("SIAGA_SECRET_CONFIG", raising=False)
    with pytest.raises(EngineError) as info:
        run_stack("hybrid-pdn")
    message = str(info.value)
    assert "pulumi config set --secret standby:kubeconfig" in message and "--secret-config" in message
    assert "\n" not in message.strip()


def test_cli_refuses_a_bad_project_with_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from siaga.cli import app

    folder = tmp_path / "prog"
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text((FIXTURES / "config-namespaced-type" / "fail" / "Pulumi.yaml").read_text())
    (folder / "__main__.py").write_text("raise SystemExit('must not run')\n")
    (folder / "Pulumi.dev.yaml").write_text("config: {}\n")
    result = CliRunner().invoke(app, ["check", str(folder), "-s", "dev", "-p", str(REPO / "policies")])
    assert result.exit_code == 2
    assert "should not define a type" in result.output and "must not run" not in result.output


def test_cli_refuses_a_bad_policy_pack_before_the_program(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from siaga.cli import app

    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text(
        (FIXTURES / "policy-runtime-toolchain" / "fail" / "PulumiPolicy.yaml").read_text())
    program = REPO / "tests" / "fixtures" / "programs" / "check_clean"
    result = CliRunner().invoke(app, ["check", str(program), "-s", "dev", "-p", str(pack)])
    assert result.exit_code == 2
    assert "unsupported toolchain option: conda" in result.output and "PulumiPolicy.yaml" in result.output
