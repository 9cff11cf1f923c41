"""The program's own interpreter, as the CLI's Python language host picks it (Pulumi.yaml runtime.options), and its
virtualenv created on first run: a provider-style package siaga does not ship (``pulumi_acme``, built here from a
local folder) and a pinned pulumi SDK that is not siaga's."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siaga.cli import app
from siaga.engine import EngineError
from siaga.engine.preview import REPO_ROOT, start_program
from siaga.engine.project import load_project
from siaga.engine.toolchain import ToolchainError, is_virtualenv, resolve

ACME = '''"""A provider-style SDK: one CustomResource subclass, constructed the way generated SDKs do."""
import pulumi


class Widget(pulumi.CustomResource):
    size: pulumi.Output[int]

    def __init__(self, resource_name: str, size: int, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("acme:index:Widget", resource_name, {"size": size}, opts)
'''

PROGRAM = '''import importlib.metadata
import importlib.util

import pulumi
import pulumi_acme

w = pulumi_acme.Widget("w", size=3)
pulumi.export("sdk", importlib.metadata.version("pulumi"))
pulumi.export("siagaVisible", importlib.util.find_spec("siaga") is not None)
pulumi.export("size", w.size)
'''


def _acme(tmp: Path) -> Path:
    pkg = tmp / "acme-pkg"
    (pkg / "pulumi_acme").mkdir(parents=True)
    (pkg / "pulumi_acme" / "__init__.py").write_text(ACME, encoding="utf-8")
    (pkg / "pyproject.toml").write_text(
        '[project]\nname = "pulumi-acme"\nversion = "0.1.0"\ndependencies = ["pulumi>=3"]\n'
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'
        '[tool.setuptools]\npackages = ["pulumi_acme"]\n', encoding="utf-8")
    return pkg


def _program(tmp: Path, options: str, requirements: str) -> Path:
    prog = tmp / "prog"
    prog.mkdir()
    (prog / "Pulumi.yaml").write_text(f"name: acmeprog\nruntime:\n  name: python\n  options:\n{options}",
                                      encoding="utf-8")
    (prog / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-southeast-3\n", encoding="utf-8")
    (prog / "__main__.py").write_text(PROGRAM, encoding="utf-8")
    (prog / "requirements.txt").write_text(requirements, encoding="utf-8")
    return prog


def _run(prog: Path) -> tuple[object, list[str]]:
    lines: list[str] = []
    graph = start_program(prog, stack="dev", progress=lines.append).wait()
    return graph, lines


def test_uv_toolchain_creates_the_virtualenv_with_its_own_pinned_sdk(tmp_path: Path) -> None:
    """toolchain: uv with the real uv: the venv is created on first run, the program runs with pulumi 3.150 (whose
    Settings has no root_directory) and a package siaga does not have, and siaga is not importable there."""
    _acme(tmp_path)
    prog = _program(tmp_path, "    toolchain: uv\n", "pulumi==3.150.0\n../acme-pkg\n")
    graph, lines = _run(prog)
    assert is_virtualenv(prog / ".venv")
    assert any("uv pip install" in ln for ln in lines) and lines[-1].endswith("is ready")
    widget = graph.get("acme:index:Widget", "w")  # type: ignore[attr-defined]
    assert widget.inputs == {"size": 3} and widget.source.file == "__main__.py"
    assert graph.exports == {"sdk": "3.150.0", "siagaVisible": False, "size": 3}  # type: ignore[attr-defined]
    assert (prog / "requirements.txt").is_file() and not (prog / "pyproject.toml").exists()  # project untouched
    again, lines = _run(prog)  # the second run reuses it
    assert lines == [] and again.exports == graph.exports  # type: ignore[attr-defined]


def test_a_failed_install_is_one_line_naming_the_command(tmp_path: Path) -> None:
    prog = _program(tmp_path, "    toolchain: uv\n", "./no-such-package-dir\n")
    done = CliRunner().invoke(app, ["preview", str(prog)], env={"COLUMNS": "400"})
    assert done.exit_code == 2
    error = [ln for ln in done.output.splitlines() if ln.startswith("error:")]
    assert len(error) == 1 and "`" in error[0] and "uv pip install" in error[0] and "exited" in error[0]


@pytest.mark.slow
def test_pip_virtualenv_is_created_and_requirements_installed(tmp_path: Path) -> None:
    """The default toolchain: ``python -m venv`` + ``pip install -r requirements.txt`` (pulumi from PyPI or pip's
    cache), as `pulumi install` does."""
    _acme(tmp_path)
    prog = _program(tmp_path, "    toolchain: pip\n    virtualenv: venv\n", "pulumi==3.272.0\n../acme-pkg\n")
    graph, lines = _run(prog)
    assert is_virtualenv(prog / "venv") and any("pip install" in ln for ln in lines)
    assert graph.exports == {"sdk": "3.272.0", "siagaVisible": False, "size": 3}  # type: ignore[attr-defined]


def test_interpreter_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # no runtime options: the ambient interpreter, which for siaga is its own (pulumi and the providers it ships)
    assert resolve(tmp_path, {}).python == sys.executable and resolve(tmp_path, {}).ambient
    monkeypatch.setenv("PULUMI_PYTHON_CMD", Path(sys.executable).name)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    assert resolve(tmp_path, {}).python == str(Path(sys.executable).parent / Path(sys.executable).name)
    monkeypatch.delenv("PULUMI_PYTHON_CMD")
    with pytest.raises(ToolchainError, match="allowed: pip, uv, poetry"):
        resolve(tmp_path, {"toolchain": "conda"})
    (tmp_path / "notvenv").mkdir()
    (tmp_path / "notvenv" / "x").write_text("", encoding="utf-8")
    with pytest.raises(ToolchainError, match="not a virtual environment"):
        resolve(tmp_path, {"virtualenv": "notvenv"})
    # this repository: toolchain pip, virtualenv .venv (the Makefile creates it): used as it is, nothing installed
    root = load_project(REPO_ROOT)
    lines: list[str] = []
    found = resolve(root.root, root.runtime_options, lines.append)
    assert found.python == str(REPO_ROOT / ".venv" / "bin" / "python") and lines == []


def test_a_missing_tool_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime:\n  name: python\n  options:\n    toolchain: poetry\n",
                                          encoding="utf-8")
    (tmp_path / "__main__.py").write_text("", encoding="utf-8")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(EngineError, match="toolchain poetry, but no `poetry` executable on PATH"):
        start_program(tmp_path)
