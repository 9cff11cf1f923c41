"""siaga new: a new agency stack from flags, validated, non-overlapping, never overwriting, compliant."""

from __future__ import annotations

import importlib.util
import ipaddress
import shutil
from pathlib import Path

import jinja2
import pytest
import yaml
from typer.testing import CliRunner

import siaga.commands.new as new_cmd
from components.config import parse_config
from siaga.cli import app
from siaga.engine.preview import REPO_ROOT
from siaga.scaffold import NewStack, ScaffoldError, _env, choose_cidr, render, used_networks

FLAGS = ["--standby-ip", "198.51.100.40",  # the standby name lies in the stack's zone dukcapil.go.id: answered there
         "--contact-phone", "+62-21-1234-5678", "--agency-name", "Direktorat Jenderal Kependudukan dan Pencatatan Sipil",
         "--approver", "Kepala Pusat Data dan Informasi",
         "--service", "adminduk", "--domain", "adminduk.dukcapil.go.id", "--owner", "pusdatin-dukcapil",
         "--cost-centre", "123456", "--contact-email", "ttis@dukcapil.go.id", "--standby", "standby.dukcapil.go.id"]


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    folder = tmp_path / "stacks"
    folder.mkdir()
    for p in (REPO_ROOT / "stacks").glob("Pulumi.*.yaml"):
        shutil.copy(p, folder / p.name)
    return folder


def _new(stacks: Path, *args: str, input: str | None = None):  # noqa: A002
    return CliRunner().invoke(app, ["new", "dukcapil", *args, "--stacks-dir", str(stacks)], input=input)


def _config(path: Path) -> dict:
    return yaml.safe_load(path.read_text())["config"]


def test_new_stack_from_flags_is_valid_and_does_not_overlap(stacks: Path) -> None:
    before = used_networks(stacks)
    result = _new(stacks, *FLAGS)
    assert result.exit_code == 0, result.output
    path = stacks / "Pulumi.dukcapil-adminduk-prod.yaml"
    cfg = parse_config(_config(path))
    assert (cfg.agency, cfg.service, cfg.environment, cfg.domain) == ("dukcapil", "adminduk", "prod", "adminduk.dukcapil.go.id")
    assert cfg.tags.owner == "pusdatin-dukcapil" and cfg.tags.costCentre == "123456"
    assert cfg.alertContacts[0].email == "ttis@dukcapil.go.id" and cfg.standby.address == "standby.dukcapil.go.id"
    vpc = ipaddress.ip_network(cfg.vpcCidr)
    assert before and not any(vpc.overlaps(n) for n, _ in before)
    # every key carries a comment, like the reference stacks
    for line in path.read_text().splitlines():
        if ":" in line and not line.lstrip().startswith("#"):
            assert "  # " in line, line
    waivers = stacks / "waivers.dukcapil-adminduk-prod.yaml"
    assert yaml.safe_load(waivers.read_text()) == []
    assert "approver:" in waivers.read_text() and "expires:" in waivers.read_text()
    # the next stack gets yet another range
    assert _new(stacks, *[f if f != "adminduk" else "sipp" for f in FLAGS]).exit_code == 0
    other = parse_config(_config(stacks / "Pulumi.dukcapil-sipp-prod.yaml"))
    assert not ipaddress.ip_network(other.vpcCidr).overlaps(vpc)


def test_refuses_to_overwrite(stacks: Path) -> None:
    assert _new(stacks, *FLAGS).exit_code == 0
    path = stacks / "Pulumi.dukcapil-adminduk-prod.yaml"
    path.write_text(path.read_text() + "# edited by hand\n")
    result = _new(stacks, *FLAGS)
    assert result.exit_code == 2
    assert "already exists" in result.output and len(result.output.strip().splitlines()) == 1
    assert path.read_text().endswith("# edited by hand\n")


def test_missing_value_without_terminal_fails_with_one_line(stacks: Path) -> None:
    flags = FLAGS[:-2]  # no --standby
    result = _new(stacks, *flags)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "--standby" in lines[0]
    assert not list(stacks.glob("Pulumi.dukcapil-*"))


def test_missing_values_are_asked_on_a_terminal(stacks: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(new_cmd, "_interactive", lambda: True)
    result = _new(stacks, *FLAGS[2:-4], input="ttis@dukcapil.go.id\n36.66.0.10\n")  # an IPv4 standby: no --standby-ip
    assert result.exit_code == 0, result.output
    cfg = parse_config(_config(stacks / "Pulumi.dukcapil-adminduk-prod.yaml"))
    assert cfg.standby.address == "36.66.0.10" and cfg.alertContacts[0].email == "ttis@dukcapil.go.id"
    # --force-no-input never prompts, even on a terminal
    result = _new(stacks, *[f if f != "adminduk" else "sipp" for f in FLAGS[:-2]], "--force-no-input")
    assert result.exit_code == 2 and "--standby" in result.output


def test_invalid_values_are_rejected_before_writing(stacks: Path) -> None:
    result = _new(stacks, *[f if f != "adminduk.dukcapil.go.id" else "not a domain" for f in FLAGS])
    assert result.exit_code == 2 and "siaga:domain" in result.output
    result = _new(stacks, *FLAGS, "--vpc-cidr", "10.20.128.0/17")
    assert result.exit_code == 2 and "jakarta-prod" in result.output
    result = _new(stacks, *FLAGS, "--from", "nope")
    assert result.exit_code == 2 and "jakarta-prod" in result.output
    assert not list(stacks.glob("*dukcapil*"))


def test_staging_from_the_staging_reference(stacks: Path) -> None:
    result = _new(stacks, *FLAGS, "--from", "jakarta-staging", "--env", "staging", "--vpc-cidr", "10.40.0.0/20")
    assert result.exit_code == 0, result.output
    cfg = parse_config(_config(stacks / "Pulumi.dukcapil-adminduk-staging.yaml"))
    ref = parse_config(_config(stacks / "Pulumi.jakarta-staging.yaml"))
    assert (cfg.environment, cfg.azCount, cfg.vpcCidr) == ("staging", ref.azCount, "10.40.0.0/20")
    assert cfg.cluster == ref.cluster and cfg.database == ref.database


def test_templates_are_strict() -> None:
    env = _env()
    assert env.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("stack.yaml.j2").render(agency="x")


def test_choose_cidr_skips_used_ranges() -> None:
    used = [(ipaddress.ip_network(c), "t") for c in ("10.20.0.0/16", "10.21.0.0/16", "10.22.0.0/15")]
    assert choose_cidr(used) == "10.24.0.0/16"  # type: ignore[arg-type]


def test_standby_networks_are_avoided(stacks: Path) -> None:
    req = NewStack(agency="dukcapil", service="adminduk", domain="a.dukcapil.go.id", owner="o", cost_centre="1",
                   contact_email="t@dukcapil.go.id", standby="s.dukcapil.go.id", standby_networks=["10.22.0.0/16"],
                   standby_ips=["198.51.100.40"])
    _, _, cfg = render(req, stacks)
    assert cfg.vpcCidr == "10.23.0.0/16" and cfg.standby.networks == ["10.22.0.0/16"]
    with pytest.raises(ScaffoldError, match="--standby-network"):
        render(NewStack(**{**req.__dict__, "standby_networks": ["x"]}), stacks)


def _project(tmp_path: Path, stacks: Path) -> Path:
    """A project folder running this repository's program with the temporary stacks folder."""
    proj = tmp_path / "project"
    proj.mkdir()
    (proj / "Pulumi.yaml").write_text(yaml.safe_dump({
        "name": "siaga", "runtime": "python", "main": str(REPO_ROOT / "__main__.py"), "stackConfigDir": str(stacks)}))
    return proj


def test_new_stack_passes_siaga_check(stacks: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("siaga.commands.check") is None:
        pytest.skip("siaga check (siaga/commands/check.py) is not in the repository yet")
    assert _new(stacks, *FLAGS).exit_code == 0
    proj = _project(tmp_path, stacks)
    waivers = stacks / "waivers.dukcapil-adminduk-prod.yaml"
    result = CliRunner().invoke(app, ["check", str(proj), "--stack", "dukcapil-adminduk-prod", "--waivers", str(waivers)])
    assert result.exit_code == 0, result.output


def test_new_stack_has_no_mandatory_violations(stacks: Path, tmp_path: Path) -> None:
    """Through the analyzer and the repository's policy pack directly (independent of the check command)."""
    if not (REPO_ROOT / "policies" / "PulumiPolicy.yaml").is_file():
        pytest.skip("the policy pack (policies/) is not in the repository yet")
    from siaga.analyzer import analyze
    from siaga.engine import run_program

    assert _new(stacks, *FLAGS).exit_code == 0
    graph = run_program(_project(tmp_path, stacks), stack="dukcapil-adminduk-prod")
    assert graph.config["siaga:agency"] == "dukcapil"
    result = analyze(graph, packs=[REPO_ROOT / "policies"])
    assert result.policies, "the pack reported no policies"
    assert [f"{f.policy}: {f.urn}: {f.message}" for f in result.mandatory] == []


def test_template_sets_every_config_key(stacks: Path) -> None:
    """A key added to the config model must be added to the template (or listed here as agency-specific)."""
    from components.config import StackConfig

    assert _new(stacks, *FLAGS).exit_code == 0
    raw = _config(stacks / "Pulumi.dukcapil-adminduk-prod.yaml")
    optional = {"kubernetes"}  # only with platform eks (see test_new_eks_stack_from_hybrid_pdn)
    missing = [k for k in StackConfig.model_fields if f"siaga:{k}" not in raw and k not in optional]
    assert missing == []
    agency_specific = {"database": {"restoreMinutes"}, "dns": {"hostedZoneId"}, "backup": {"copyToVaultArn"}, "standby": {"customerGatewayIp"}, "tags": {"extra"},
                       "cluster": {"autoscalingRoleArn", "certificateArn"}}
    for section, model in (("cluster", "Cluster"), ("database", "Database"), ("backup", "Backup"), ("dns", "Dns"),
                           ("standby", "Standby"), ("tags", "Tags")):
        fields = set(getattr(__import__("components.config", fromlist=[model]), model).model_fields)
        assert fields - set(raw[f"siaga:{section}"]) - agency_specific.get(section, set()) == set(), section


def test_new_eks_stack_from_hybrid_pdn(stacks: Path) -> None:
    if not (stacks / "Pulumi.hybrid-pdn.yaml").is_file():
        pytest.skip("the hybrid-pdn reference stack is not in the repository yet")
    from components.config import Kubernetes

    result = _new(stacks, *FLAGS, "--from", "hybrid-pdn")
    assert result.exit_code == 0, result.output
    raw = _config(stacks / "Pulumi.dukcapil-adminduk-prod.yaml")
    cfg = parse_config(raw)
    ref = parse_config(_config(stacks / "Pulumi.hybrid-pdn.yaml"))
    assert cfg.platform == "eks" and cfg.kubernetes is not None and ref.kubernetes is not None
    assert set(raw["siaga:kubernetes"]) == set(Kubernetes.model_fields)
    assert cfg.kubernetes.namespace == "adminduk" and cfg.kubernetes.adminRoleArns == []
    assert cfg.kubernetes.nodesPerAz == ref.kubernetes.nodesPerAz
    assert cfg.kubernetes.standbyKubeconfigKey not in raw  # no placeholder ciphertext: each deployer sets it
    text = (stacks / "Pulumi.dukcapil-adminduk-prod.yaml").read_text()
    assert f"pulumi config set --secret {cfg.kubernetes.standbyKubeconfigKey} < kubeconfig" in text


def test_waivers_file_and_its_example_load_with_siaga_check_loader(stacks: Path, tmp_path: Path) -> None:
    from siaga.waivers import load_waivers

    assert _new(stacks, *FLAGS).exit_code == 0
    path = stacks / "waivers.dukcapil-adminduk-prod.yaml"
    assert load_waivers(path).waivers == []
    example = [line[2:] for line in path.read_text().splitlines() if line.startswith("# - ") or line.startswith("#   ")]
    (tmp_path / "w.yaml").write_text("\n".join(example) + "\n")
    (waiver,) = load_waivers(tmp_path / "w.yaml").waivers
    assert waiver.policy == "rds-multi-az" and waiver.approver == "ttis@dukcapil.go.id"
    assert waiver.matches("siaga-baseline", "rds-multi-az",
                          "urn:pulumi:dukcapil-adminduk-prod::siaga::siaga:x:Database$aws:rds/instance:Instance::db")
