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
