"""Options and fixtures of the verification suite.

``--siaga-settings FILE``: the baseline the hosts must match (JSON of components.userdata.UserDataSettings).
``--siaga-mode live|image``: ``live`` checks running state too (services active, loaded audit rules,
kernel values); ``image`` (a chroot: nothing booted) checks what is installed, enabled and configured.
``--siaga-endpoints`` / ``--no-siaga-endpoints``: the TLS/redirect/health checks (curl and openssl on the host).
``--siaga-profile host|pod``: the settings file holds a host baseline (UserDataSettings) or a pod baseline
(siaga.verify.pods.PodBaseline, checked through kubectl exec by test_pod.py) or the public name to check from
here (siaga.verify.public.PublicTarget, test_public.py on the local backend).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import testinfra.backend

from components.userdata import UserDataSettings
from siaga.verify.pods import PodBaseline
from siaga.verify.public import PublicTarget

testinfra.backend.BACKENDS.setdefault("ssm", "siaga.verify.ssm.SsmBackend")
testinfra.backend.BACKENDS.setdefault("nsenter", "siaga.verify.nsenter.NsenterBackend")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("siaga")
    group.addoption("--siaga-settings", required=True, help="JSON of the UserDataSettings the hosts were built with")
    group.addoption("--siaga-mode", choices=["live", "image"], default="live")
    group.addoption("--siaga-profile", choices=["host", "pod", "public"], default="host")
    group.addoption("--siaga-endpoints", action="store_true", default=True)
    group.addoption("--no-siaga-endpoints", dest="siaga_endpoints", action="store_false")


@pytest.fixture(scope="session")
def baseline(pytestconfig: pytest.Config) -> UserDataSettings:
    return UserDataSettings.model_validate_json(Path(pytestconfig.getoption("siaga_settings")).read_text())


@pytest.fixture(scope="session")
def pod_baseline(pytestconfig: pytest.Config) -> PodBaseline:
    return PodBaseline.model_validate_json(Path(pytestconfig.getoption("siaga_settings")).read_text())


@pytest.fixture(scope="session")
def public_target(pytestconfig: pytest.Config) -> PublicTarget:
    return PublicTarget.model_validate_json(Path(pytestconfig.getoption("siaga_settings")).read_text())


@pytest.fixture(scope="session")
def live(pytestconfig: pytest.Config) -> bool:
    return pytestconfig.getoption("siaga_mode") == "live"


@pytest.fixture(scope="session")
def endpoints(pytestconfig: pytest.Config) -> bool:
    return bool(pytestconfig.getoption("siaga_endpoints"))


NOT_REACHED = "HOST NOT REACHED"
"""Skip reason prefix of every check on a host that did not answer: the runner reports them as 'not run' (never
passed, never a failed check) and siaga verify exits 2 (could not run)."""
_reached: dict[str, str | None] = {}


@pytest.fixture(autouse=True)
def _host_answers(request: pytest.FixtureRequest) -> None:
    """Before the first check on a host, one trivial command through the same backend: a host that does not answer
    (ssh refused, SSM offline, no such pod) gets no check run at all."""
    if "host" not in request.fixturenames:
        return
    host = request.getfixturevalue("host")
    backend = getattr(host, "backend", None)
    key = backend.get_pytest_id() if backend is not None and hasattr(backend, "get_pytest_id") else repr(host)
    if key not in _reached:
        try:
            result = host.run("true")
            _reached[key] = None if result.rc == 0 else (result.stderr or result.stdout or f"exit {result.rc}").strip()
        except Exception as exc:  # noqa: BLE001 - any backend error means the host cannot be checked
            inner = exc.args[0] if exc.args else None  # testinfra raises RuntimeError(CommandResult)
            stderr = getattr(inner, "stderr", None)
            _reached[key] = stderr.strip() if isinstance(stderr, str) and stderr.strip() else f"{type(exc).__name__}: {exc}"
    if _reached[key] is not None:
        pytest.skip(f"{NOT_REACHED}: {str(_reached[key]).splitlines()[0][:200] if _reached[key] else 'no answer'}")
