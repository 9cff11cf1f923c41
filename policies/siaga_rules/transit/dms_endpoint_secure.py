"""DMS endpoints encrypt the connection and authenticate (FSBP DMS.9, DMS.10, DMS.11, DMS.12).

``sslMode`` defaults to ``none`` (https://docs.aws.amazon.com/dms/latest/APIReference/API_CreateEndpoint.html,
SslMode); DMS.9 fails an endpoint without SSL. Endpoints whose engine does not take ``sslMode`` are judged by their
own settings: Redis (``redisSettings.sslSecurityProtocol`` plaintext fails, DMS.12), MongoDB/DocumentDB
(``mongodbSettings.authType`` ``no`` fails, DMS.11), Neptune (``neptuneSettings.iamAuthEnabled`` must be true,
DMS.10). Engines reached through AWS APIs over HTTPS (s3, dynamodb, kinesis, ...) have no SSL mode and are skipped.
"""

from siaga_rules.common import Controls, Ctx, resource_policy

API_ENGINES = {"s3", "dynamodb", "kinesis", "elasticsearch", "opensearch", "redshift-serverless", "azuredb"}


def check(ctx: Ctx) -> None:
    engine = str(ctx.get("engineName") or "").lower()
    if engine == "redis":
        if ctx.get("redisSettings.sslSecurityProtocol") == "plaintext":
            ctx.fail("redisSettings.sslSecurityProtocol is plaintext: the Redis endpoint is not encrypted")
        return
    if engine == "neptune":
        if ctx.get("neptuneSettings.iamAuthEnabled") is not True:
            ctx.fail("neptuneSettings.iamAuthEnabled is not true: the Neptune endpoint uses no IAM authorization")
        return
    if engine in ("mongodb", "docdb") and ctx.get("mongodbSettings.authType") == "no":
        ctx.fail("mongodbSettings.authType is 'no': the MongoDB endpoint has no authentication")
    if engine in API_ENGINES or engine == "":
        return
    mode = ctx.get("sslMode")
    if mode in (None, "none"):
        ctx.fail(f"sslMode is {mode or 'not set (DMS API default: none)'}: the {engine} endpoint connects in "
                 "plaintext; use require, verify-ca or verify-full")


POLICY = resource_policy(
    id="dms-endpoint-secure",
    name="DMS endpoints use SSL and authenticate",
    category="transit",
    types=("aws:dms/endpoint:Endpoint",),
    description="DMS endpoints set sslMode other than none; Redis endpoints use ssl-encryption, MongoDB endpoints "
                "authenticate, Neptune endpoints use IAM authorization.",
    remediation="Set ssl_mode='verify-full' (or 'require') with the engine's CA certificate; for Redis keep "
                "ssl_security_protocol='ssl-encryption'; for Neptune set iam_auth_enabled=True.",
    check=check,
    controls=Controls(nist=("SC-8", "SC-8(1)", "IA-2"), iso=("A.8.24", "A.8.5"), pp71=("Pasal-20",),
                      fsbp=("DMS.9", "DMS.10", "DMS.11", "DMS.12")),
)
