"""Post-deploy verification: the hardened-host checks (pytest-testinfra) and how ``siaga verify`` runs them."""

from siaga.verify.runner import BACKENDS, CheckResult, VerifyError, VerifyResult, host_spec, run_suite

__all__ = ["BACKENDS", "CheckResult", "VerifyError", "VerifyResult", "host_spec", "run_suite"]
