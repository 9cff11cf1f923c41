"""DocumentDB and Redshift clusters require TLS (FSBP DocumentDB.6, Redshift.2; cdk-nag RedshiftRequireTlsSSL).

DocumentDB: the cluster parameter ``tls`` is ``enabled`` in the default cluster parameter group
(https://docs.aws.amazon.com/documentdb/latest/developerguide/security.encryption.ssl.html); a parameter group of
this stack setting it to ``disabled`` fails. Redshift: ``require_ssl`` is ``false`` in the default parameter group
(https://docs.aws.amazon.com/redshift/latest/mgmt/connecting-ssl-support.html), so the cluster needs a parameter
group of this stack setting it to ``true``; a parameter group that is not in the stack cannot be verified.
"""

from siaga_rules.common import Controls, Res, StackCtx, as_list, has_unknown, lookup, stack_policy

DOCDB, REDSHIFT = "aws:docdb/cluster:Cluster", "aws:redshift/cluster:Cluster"
DOCDB_PG, REDSHIFT_PG = ("aws:docdb/clusterParameterGroup:ClusterParameterGroup",
                         "aws:redshift/parameterGroup:ParameterGroup")


def _params(pg: Res) -> dict[str, str]:
    return {str(lookup(p, "name")): str(lookup(p, "value")).lower()
            for p in as_list(pg.get("parameters")) if isinstance(p, dict)}


def check(ctx: StackCtx) -> None:
    for r in ctx.of_type(DOCDB):
        for pg in ctx.resolve(r, "dbClusterParameterGroupName", DOCDB_PG):
            if _params(pg).get("tls") == "disabled":
                ctx.fail(f"its cluster parameter group {pg.name} sets tls=disabled: clients may connect in plaintext", r)
    for r in ctx.of_type(REDSHIFT):
        name = r.get("clusterParameterGroupName")
        groups = ctx.resolve(r, "clusterParameterGroupName", REDSHIFT_PG)
        if not groups:
            if has_unknown(name):
                ctx.cannot_verify(r, "clusterParameterGroupName")
            elif name in (None, "") or str(name).startswith("default.redshift"):
                ctx.fail("uses the default parameter group (require_ssl=false): clients may connect in plaintext; "
                         "use a parameter group with require_ssl=true", r)
            else:
                ctx.cannot_verify(r, f"require_ssl of parameter group {name!r}, which is not in this stack")
            continue
        if any(_params(pg).get("require_ssl") != "true" for pg in groups):
            ctx.fail("its parameter group does not set require_ssl=true: clients may connect in plaintext", r)


POLICY = stack_policy(
    id="db-cluster-tls",
    name="DocumentDB and Redshift require TLS",
    category="transit",
    description="DocumentDB cluster parameter groups keep tls enabled; Redshift clusters use a parameter group with "
                "require_ssl=true.",
    remediation="Redshift: aws.redshift.ParameterGroup(family='redshift-1.0', parameters=[{'name': 'require_ssl', "
                "'value': 'true'}]) as cluster_parameter_group_name; DocumentDB: do not set tls=disabled.",
    check=check,
    controls=Controls(nist=("SC-8", "SC-8(1)"), iso=("A.8.24",), pp71=("Pasal-20",),
                      fsbp=("DocumentDB.6", "Redshift.2"), cdk_nag=("NIST.800.53.R5-RedshiftRequireTlsSSL",),
                      checkov=("CKV_AWS_90", "CKV_AWS_105")),
)
