"""The Siaga CrossGuard pack: `pulumi preview --policy-pack policies/`.

The CLI runs this file with the pack folder as working directory, so `siaga_rules` imports directly.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pulumi_policy import PolicyPack  # noqa: E402
from siaga_rules import request_cache  # noqa: E402
from siaga_rules.registry import all_policies  # noqa: E402

request_cache.install()  # properties converted once per call, not once per policy (request_cache.py)

PolicyPack(
    name="siaga-baseline",
    description="Siaga baseline for Indonesian public services: encryption, backup, in-country residency "
                "(PP 71/2019), availability, exposure, logging.",
    policies=all_policies(),
    provider="aws",
    tags=["siaga", "pp-71-2019", "nist-800-53-r5", "iso-27001-2022"],
)
