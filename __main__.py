"""The Siaga program: one highly available, in-country public service, configured only by stack config.

Run with the Pulumi CLI (`pulumi up -s jakarta-prod`) or offline (`siaga preview --stack jakarta-prod`).
"""

import pulumi
import pulumi_aws as aws

from components.config import load_config

cfg = load_config()  # validates every siaga:* key before any resource is registered

provider = aws.Provider(
    "jakarta",
    region=cfg.region,
    allowed_account_ids=None,
    default_tags={"tags": cfg.default_tags()},
)

pulumi.export("region", cfg.region)
pulumi.export("namePrefix", cfg.name_prefix)
