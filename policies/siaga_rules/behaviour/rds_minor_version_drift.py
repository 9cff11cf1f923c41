"""An RDS engine version pinned to a minor, with automatic minor upgrades on, drifts.

Minor engine upgrades are applied automatically by default, for DB instances and for Aurora/Multi-AZ DB clusters
(https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html and API_CreateDBCluster.html,
AutoMinorVersionUpgrade; pulumi-aws rds.Instance/Cluster/ClusterInstance ``autoMinorVersionUpgrade`` "Defaults to
true"). AWS then moves "16.4" to "16.6" in a maintenance window and every later ``pulumi up`` tries to go back (a
downgrade RDS refuses). Pin the major only ("16") or ignore_changes engineVersion, or turn the upgrades off.

Old minors also stop being creatable: AWS's notice for RDS for PostgreSQL (end of standard support May 31, 2026;
no new instances from May 1, 2026; automatic upgrade afterwards to 14.20, 15.15, 16.11, 17.7 or higher) lists
14.14-14.17, 15.9-15.12, 16.5-16.8 and 17.1-17.4, earlier minors being out of support already
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.PostgreSQL.MajorVersion.html marks
them with *; notice text quoted at
https://github.com/saayam-for-all/database/wiki/AWS-RDS-instances-%E2%80%90-Health-Checks).
"""

from __future__ import annotations

import datetime as dt

from siaga_rules.behaviour._wiring import ignores
from siaga_rules.common import Controls, EnforcementLevel, Res, StackCtx, as_bool, is_unknown, stack_policy

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"

# engine -> major -> (lowest minor still creatable, from when, auto-upgrade target); see the module docstring.
NOT_CREATABLE_BELOW: dict[str, dict[str, tuple[tuple[int, ...], dt.date, str]]] = {
    "postgres": {
        "14": ((14, 18), dt.date(2026, 5, 1), "14.20"),
        "15": ((15, 13), dt.date(2026, 5, 1), "15.15"),
        "16": ((16, 9), dt.date(2026, 5, 1), "16.11"),
        "17": ((17, 5), dt.date(2026, 5, 1), "17.7"),
    },
}


def _pinned_minor(engine: str, version: str) -> bool:
    """True when the version names a minor: postgres "16.4" (not "16"), mysql/mariadb "8.0.35" (not "8.0"),
    aurora-mysql "8.0.mysql_aurora.3.05.2"."""
    parts = version.split(".")
    if engine in ("postgres", "aurora-postgresql"):
        return len(parts) >= 2
    if engine in ("mysql", "mariadb"):
        return len(parts) >= 3
    if engine in ("aurora-mysql", "aurora"):
        return "mysql_aurora" in version or len(parts) >= 3
    return False


def _deprecation(engine: str, version: str, today: dt.date) -> str:
    engine = "postgres" if engine in ("postgres",) else engine
    parts = version.split(".")
    entry = NOT_CREATABLE_BELOW.get(engine, {}).get(parts[0])
    if entry is None:
        return ""
    try:
        numbers = tuple(int(p) for p in parts[:2])
    except ValueError:
        return ""
    lowest, since, target = entry
    if numbers >= lowest:
        return ""
    when = "is no longer creatable" if today >= since else f"is not creatable from {since.isoformat()}"
    low = ".".join(map(str, lowest))
    return (f" Also, {engine} {version} {when} (AWS end of standard support; the lowest creatable {parts[0]}.x is "
            f"{low}) and AWS upgrades it to {target} or higher: a new stack fails to create it.")


def check(ctx: StackCtx) -> None:
    today = dt.date.today()
    members: dict[str, list[Res]] = {}
    for ci in ctx.of_type(CLUSTER_INSTANCE):
        for c in ctx.resolve(ci, "clusterIdentifier", CLUSTER):
            members.setdefault(c.urn, []).append(ci)
    for db in ctx.of_type(INSTANCE, CLUSTER):
        if db.type == INSTANCE and db.get("clusterIdentifier"):
            continue  # an Aurora member takes its version from the cluster
        engine, version = db.get("engine"), db.get("engineVersion")
        if not isinstance(engine, str) or not isinstance(version, str) or is_unknown(version) or is_unknown(engine):
            continue
        if not _pinned_minor(engine, version) or ignores(db, "engineVersion"):
            continue
        own = as_bool(db.get("autoMinorVersionUpgrade"))
        upgraders = [db.name] if own is not False else []
        upgraders += [m.name for m in members.get(db.urn, []) if as_bool(m.get("autoMinorVersionUpgrade")) is not False]
        if not upgraders:
            continue
        assumed = "" if own is not None else " (not set: AWS default true)"
        ctx.fail(f"{engine} engineVersion {version!r} pins a minor version while automatic minor upgrades are on for "
                 f"{', '.join(upgraders)}{assumed}: AWS upgrades the minor in a maintenance window and every "
                 f"`pulumi up` then tries to move {db.name} back to {version} (RDS refuses downgrades). Fix: "
                 f"engineVersion {version.split('.')[0]!r} (the major only), or ignore_changes=['engineVersion'], or "
                 "autoMinorVersionUpgrade=False with a patching process." + _deprecation(engine, version, today), db)


POLICY = stack_policy(
    id="rds-minor-version-drift",
    name="RDS engine version does not fight automatic minor upgrades",
    category="behaviour",
    description="An RDS instance/cluster whose engineVersion pins a minor while autoMinorVersionUpgrade is on (AWS "
                "default) drifts after every automatic upgrade; also reports minors AWS no longer creates.",
    remediation="Pin the major only (\"16\"), or ignore_changes engineVersion, or turn automatic minor upgrades off "
                "and patch on a schedule; move off minors past end of standard support.",
    check=check,
    controls=Controls(nist=("CM-2", "CM-3", "SI-2"), iso=("A.8.8", "A.8.9")),
    level=EnforcementLevel.ADVISORY,
)
