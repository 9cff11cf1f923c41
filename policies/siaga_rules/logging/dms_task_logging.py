"""DMS replication tasks log their source and target components (FSBP DMS.7, DMS.8).

Security Hub checks ``Logging.EnableLogging`` and the severity of the SOURCE_CAPTURE / SOURCE_UNLOAD (DMS.8) and
TARGET_APPLY / TARGET_LOAD (DMS.7) components: each at least LOGGER_SEVERITY_DEFAULT
(https://docs.aws.amazon.com/securityhub/latest/userguide/dms-controls.html). A component not listed logs at the
default severity; one set to LOGGER_SEVERITY_ERROR (or lower) hides warnings.
"""

import json

from siaga_rules.common import Controls, Ctx, as_list, lookup, resource_policy

ORDER = ["LOGGER_SEVERITY_ERROR", "LOGGER_SEVERITY_WARNING", "LOGGER_SEVERITY_INFO", "LOGGER_SEVERITY_DEFAULT",
         "LOGGER_SEVERITY_DEBUG", "LOGGER_SEVERITY_DETAILED_DEBUG"]
COMPONENTS = ("SOURCE_CAPTURE", "SOURCE_UNLOAD", "TARGET_APPLY", "TARGET_LOAD")


def check(ctx: Ctx) -> None:
    settings = ctx.get("replicationTaskSettings")
    if isinstance(settings, str):
        try:
            settings = json.loads(settings)
        except ValueError:
            ctx.fail("replicationTaskSettings is not JSON")
            return
    logging = lookup(settings, "Logging") if isinstance(settings, dict) else None
    if not isinstance(logging, dict) or logging.get("EnableLogging") is not True:
        ctx.fail("replicationTaskSettings.Logging.EnableLogging is not true (DMS default: false): the task's "
                 "source and target activity is not logged to CloudWatch")
        return
    for comp in as_list(logging.get("LogComponents")):
        if not isinstance(comp, dict) or comp.get("Id") not in COMPONENTS:
            continue
        severity = comp.get("Severity")
        if severity in ORDER and ORDER.index(severity) < ORDER.index("LOGGER_SEVERITY_DEFAULT"):
            ctx.fail(f"log component {comp.get('Id')} logs at {severity}: at least LOGGER_SEVERITY_DEFAULT needed")


POLICY = resource_policy(
    id="dms-task-logging",
    name="DMS task logging",
    category="logging",
    types=("aws:dms/replicationTask:ReplicationTask",),
    description="DMS replication tasks enable logging, with the source and target components at least at "
                "LOGGER_SEVERITY_DEFAULT.",
    remediation="Set replication_task_settings=json.dumps({'Logging': {'EnableLogging': True}, ...}).",
    check=check,
    controls=Controls(nist=("AU-2", "AU-12"), iso=("A.8.15",), fsbp=("DMS.7", "DMS.8")),
)
