"""Shared fixtures. Programs run in fresh subprocesses through the offline engine."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROGRAMS = REPO / "tests" / "fixtures" / "programs"
STANDBY_KUBECONFIG = json.dumps({
    "apiVersion": "v1", "kind": "Config", "current-context": "pdn",
    "clusters": [{"name": "pdn", "cluster": {"server": "https://k8s.pdn.contoh.go.id:6443"}}],
    "contexts": [{"name": "pdn", "context": {"cluster": "pdn", "user": "deployer"}}],
    "users": [{"name": "deployer", "user": {}}]})
"""hybrid-pdn's on-prem kubeconfig (a stand-in holding no credential). The stack file commits no ciphertext: each
deployer runs `pulumi config set --secret standby:kubeconfig`; the tests set it the way siaga takes it offline,
through SIAGA_SECRET_CONFIG (siaga/engine/project.py), for every engine run and `siaga` command of the session."""
SECRET_CONFIG = json.dumps({"standby:kubeconfig": STANDBY_KUBECONFIG})
os.environ.setdefault("SIAGA_SECRET_CONFIG", SECRET_CONFIG)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Set again before every test and its fixtures (module-scoped graphs included): a `siaga` command run
    in-process reads and removes the variable (siaga/secret_inputs.py), which would leave every later test of the
    worker without it. A test that needs it unset removes it with monkeypatch."""
    if not os.environ.get("SIAGA_SECRET_CONFIG"):
        os.environ["SIAGA_SECRET_CONFIG"] = SECRET_CONFIG


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def programs() -> Path:
    return PROGRAMS


def install_stand_in(name: str, script: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Puts an executable ``script`` called ``name`` (e.g. a stand-in ``aws`` CLI) first on PATH for one test;
    returns the folder it is in."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    exe = bin_dir / name
    exe.write_text(script)
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return bin_dir


def install_fake_aws(script: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in ``aws`` CLI (``script``) first on PATH, keeping its state in the folder it returns
    (``FAKE_AWS_STATE``): what the drill, verify and EKS drill tests read back."""
    state = tmp_path / "state"
    state.mkdir()
    install_stand_in("aws", script, tmp_path, monkeypatch)
    monkeypatch.setenv("FAKE_AWS_STATE", str(state))
    return state
