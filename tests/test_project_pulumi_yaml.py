"""Pulumi.yaml's config block is generated from the config model (siaga/pulumi_yaml.py): the file and the model
cannot drift, and what the CLI does with each declaration (applies its default, requires a key without one,
type-checks stack values) is what the model would do anyway."""

from __future__ import annotations

import json

import pytest
import yaml

from components.config import StackConfig, parse_config
from siaga import pulumi_yaml
from siaga.engine.project import load_project, load_stack_config
from tests.conftest import REPO


def test_pulumi_yaml_is_what_the_model_generates() -> None:
    assert (REPO / "Pulumi.yaml").read_text() == pulumi_yaml.render(), \
        "Pulumi.yaml differs from components/config.py: run python -m siaga.pulumi_yaml --write"
    assert pulumi_yaml.main(["--check"]) == 0


def test_a_model_change_is_a_difference(monkeypatch: pytest.MonkeyPatch) -> None:
    field = StackConfig.model_fields["azCount"]
    monkeypatch.setattr(field, "description", "Availability Zones, changed in the model only.")
    assert pulumi_yaml.render() != (REPO / "Pulumi.yaml").read_text()
    assert pulumi_yaml.main(["--check"]) == 1


def test_hand_written_head_kept() -> None:
    data = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
    assert data["name"] == "siaga" and data["main"] == "__main__.py" and data["stackConfigDir"] == "stacks"
    assert data["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
    assert data["description"].startswith("Zero-downtime")


def test_every_model_key_declared_or_said_why_not() -> None:
    config = yaml.safe_load((REPO / "Pulumi.yaml").read_text())["config"]
    declared = {k.removeprefix("siaga:") for k in config if k.startswith("siaga:")}
    left_out = pulumi_yaml.undeclared()
    assert declared | set(left_out) == set(StackConfig.model_fields)
    assert set(left_out) == {"kubernetes", "protectStatefulResources"}
    assert all(decl.get("description") for key, decl in config.items() if key.startswith("siaga:"))
    assert config["aws:region"] == {"value": "ap-southeast-3"}
    assert config["siaga:azCount"]["type"] == "integer" and config["siaga:azCount"]["default"] == 3
    assert config["siaga:allowedRegions"]["items"] == {"type": "string"}
    assert "type" not in config["siaga:standby"] and "default" not in config["siaga:standby"]  # an object, required
    assert "type" not in config["siaga:availabilityTargetDowntimePercent"]  # 0.1: the CLI has no number type


@pytest.mark.parametrize("environment", ["prod", "staging"])
def test_defaults_the_cli_applies_change_nothing(environment: str) -> None:
    """A stack that sets only the required keys runs, under the CLI, with every Pulumi.yaml default applied: the
    model must build the same configuration from that as from the required keys alone."""
    project = load_project(REPO)
    stack = yaml.safe_load((REPO / "stacks" / "Pulumi.jakarta-prod.yaml").read_text())["config"]
    required = {k: v for k, v in stack.items()
                if k.startswith("siaga:") and StackConfig.model_fields[k[6:]].is_required()}
    required["siaga:environment"] = environment
    with_defaults = {**{k: v for k, v in project.defaults().items() if k.startswith("siaga:")}, **required}
    wired = {k: v if isinstance(v, str) else json.dumps(v) for k, v in with_defaults.items()}  # as the CLI passes them
    assert parse_config(wired) == parse_config(required)


def test_required_keys_are_required_by_the_cli(tmp_path) -> None:
    """A key the model requires has no default in Pulumi.yaml, so the CLI refuses a stack without it."""
    from siaga.engine.project import ProjectError

    (tmp_path / "Pulumi.yaml").write_text((REPO / "Pulumi.yaml").read_text().replace("stackConfigDir: stacks\n", ""))
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  siaga:agency: contoh\n")
    with pytest.raises(ProjectError, match="Stack 'dev' is missing configuration values 'siaga:alertContacts', "
                                           "'siaga:domain', 'siaga:service', 'siaga:standby' and 'siaga:tags'"):
        load_stack_config(load_project(tmp_path), "dev")
