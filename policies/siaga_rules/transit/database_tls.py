"""Databases refuse connections without TLS (parameter groups force it)."""

from siaga_rules.common import Controls, Res, StackCtx, as_list, has_unknown, stack_policy

# engine family -> (parameter, required value); PostgreSQL 15+ forces TLS in its default group
FORCE = {"postgres": ("rds.force_ssl", "1"), "aurora-postgresql": ("rds.force_ssl", "1"),
         "mysql": ("require_secure_transport", "1"), "aurora-mysql": ("require_secure_transport", "1"),
         "mariadb": ("require_secure_transport", "1"), "sqlserver": ("rds.force_ssl", "1")}
PARAM_TYPES = ("aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup")


def _engine_family(engine: str) -> str | None:
    if engine.startswith("sqlserver"):
        return "sqlserver"
    return engine if engine in FORCE else None


def _major(version: object) -> int | None:
    try:
        return int(str(version).split(".")[0])
    except ValueError:
        return None


def _params_value(group: Res, name: str) -> str | None:
    for p in as_list(group.get("parameters")):
        if isinstance(p, dict) and p.get("name") == name:
            v = str(p.get("value")).lower()
            return {"on": "1", "true": "1"}.get(v, v)
    return None


def check(ctx: StackCtx) -> None:
    for db in ctx.of_type("aws:rds/instance:Instance", "aws:rds/cluster:Cluster"):
        engine = db.get("engine")
        if has_unknown(engine):
            ctx.cannot_verify(db, "engine")
            continue
        if not isinstance(engine, str) or (fam := _engine_family(engine)) is None:
            continue
        if db.type == "aws:rds/instance:Instance" and db.get("clusterIdentifier"):
            continue
        param, want = FORCE[fam]
        prop = "dbClusterParameterGroupName" if db.type == "aws:rds/cluster:Cluster" else "parameterGroupName"
        ref = db.get(prop)
        found = ctx.resolve(db, prop, *PARAM_TYPES)
        if has_unknown(ref) and not found:
            ctx.cannot_verify(db, "parameter group name")
            continue
        if not ref and not found:
            if fam == "postgres" and (_major(db.get("engineVersion")) or 0) >= 15:
                continue  # default.postgres15+ sets rds.force_ssl=1
            ctx.fail(f"uses the default parameter group, where {param} is off", db)
            continue
        group = found[0] if found else None
        if group is None:
            ctx.fail(f"parameter group {ref!r} is not declared in this stack: {param}={want} cannot be shown", db)
            continue
        value = _params_value(group, param)
        if value is None and fam == "postgres" and (_major((group.get("family") or "").replace("postgres", "")) or 0) >= 15:
            continue
        if value != want:
            ctx.fail(f"parameter group {ref!r} sets {param}={value or 'default (off)'}; {want} required", db)


POLICY = stack_policy(
    id="database-tls-enforced",
    name="Database connections require TLS",
    category="transit",
    description="RDS/Aurora databases force TLS through their parameter group (rds.force_ssl / require_secure_transport).",
    remediation="Attach a parameter group with rds.force_ssl=1 (PostgreSQL, SQL Server) or "
                "require_secure_transport=ON (MySQL, MariaDB) and apply it.",
    check=check,
    controls=Controls(nist=("SC-8", "SC-8(1)"), iso=("A.8.24",), pp71=("Pasal-20",),
                      fsbp=("RDS.41", "RDS.44")),
)
