"""``siaga verify --standby``: drift between the two sides made visible. The DMS task that keeps the standby
database current must be running, and its CDCLatencyTarget (seconds the standby lags) under the region-loss RPO
that the stack's alarm uses. Read through the operator's ``aws`` CLI, argument lists only (never a shell)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from siaga.engine.model import Graph, plain
from siaga.verify.calls import call_json
from siaga.verify.runner import CheckResult, VerifyError, VerifyResult

TASK = "aws:dms/replicationTask:ReplicationTask"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LOOKBACK_MINUTES = 10


@dataclass(frozen=True)
class StandbyTarget:
    task_id: str
    instance_id: str
    threshold_seconds: float


def standby_target_from_graph(graph: Graph) -> StandbyTarget:
    """The stack's full-load-and-CDC task and its CDCLatencyTarget alarm (instance id and threshold)."""
    tasks = [t for t in graph.of_type(TASK) if plain(t.inputs).get("migrationType") == "full-load-and-cdc"]
    alarms = [a for a in graph.of_type(ALARM) if plain(a.inputs).get("namespace") == "AWS/DMS"
              and plain(a.inputs).get("metricName") == "CDCLatencyTarget"]
    if not tasks or not alarms:
        raise VerifyError("this stack has no DMS full-load-and-cdc task with a CDCLatencyTarget alarm: nothing "
                          "replicates to the standby (siaga:standby.database)")
    alarm = min(alarms, key=lambda a: float(plain(a.inputs).get("threshold") or 0))
    dims = plain(alarm.inputs).get("dimensions") or {}
    return StandbyTarget(task_id=str(plain(tasks[0].inputs)["replicationTaskId"]),
                         instance_id=str(dims.get("ReplicationInstanceIdentifier")),
                         threshold_seconds=float(plain(alarm.inputs)["threshold"]))


def _aws(*args: str) -> dict[str, Any]:
    cmd = ["aws", *args, "--output", "json"]
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        cmd += ["--region", region]
    answer = call_json(cmd, f"aws {args[0]} {args[1]}")
    if not isinstance(answer, dict):
        raise VerifyError(f"aws {args[0]} {args[1]}: expected a JSON object, got {type(answer).__name__}")
    return answer


def check_standby(target: StandbyTarget, now: datetime | None = None) -> VerifyResult:
    """Two checks: the task's status is ``running``; the highest CDCLatencyTarget of the last minutes is under the
    threshold (no datapoint = the task publishes nothing = failed, as the alarm treats it)."""
    host = f"dms:{target.task_id}"
    tasks = _aws("dms", "describe-replication-tasks", "--filters",
                 f"Name=replication-task-id,Values={target.task_id}").get("ReplicationTasks") or []
    results: list[CheckResult] = []
    if not tasks:
        return VerifyResult(results=[CheckResult(host, "standby replication task running", "failed",
                                                 f"task {target.task_id} not found")])
    task = tasks[0]
    status = str(task.get("Status"))
    results.append(CheckResult(host, "standby replication task running", "passed" if status == "running" else "failed",
                               f"status {status}" + (f": {task['LastFailureMessage']}"
                                                     if task.get("LastFailureMessage") else "")))
    resource_id = str(task.get("ReplicationTaskArn", "")).rsplit(":", 1)[-1]
    end = now or datetime.now(UTC)
    start = end - timedelta(minutes=LOOKBACK_MINUTES)
    stats = _aws("cloudwatch", "get-metric-statistics", "--namespace", "AWS/DMS", "--metric-name", "CDCLatencyTarget",
                 "--dimensions", f"Name=ReplicationInstanceIdentifier,Value={target.instance_id}",
                 f"Name=ReplicationTaskIdentifier,Value={resource_id}",
                 "--start-time", start.strftime("%Y-%m-%dT%H:%M:%SZ"), "--end-time", end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "--period", "60", "--statistics", "Maximum")
    points = [float(p["Maximum"]) for p in stats.get("Datapoints") or [] if "Maximum" in p]
    check = f"CDC latency under {target.threshold_seconds:.0f} s"
    if not points:
        results.append(CheckResult(host, check, "failed", f"no CDCLatencyTarget datapoint in the last "
                                                          f"{LOOKBACK_MINUTES} min: the task applies nothing"))
    else:
        worst = max(points)
        results.append(CheckResult(host, check, "passed" if worst <= target.threshold_seconds else "failed",
                                   f"max {worst:.0f} s over the last {LOOKBACK_MINUTES} min"))
    return VerifyResult(results=results)
