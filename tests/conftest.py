"""Shared fixtures. Programs run in fresh subprocesses through the offline engine."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROGRAMS = REPO / "tests" / "fixtures" / "programs"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def programs() -> Path:
    return PROGRAMS
