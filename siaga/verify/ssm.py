"""A testinfra backend that runs commands through AWS Systems Manager (Run Command), since the hosts have
no SSH daemon. Uses the ``aws`` CLI (the operator's credentials); region from AWS_REGION/AWS_DEFAULT_REGION.

``--hosts=ssm://i-0123456789abcdef0`` (registered as connection ``ssm`` by the suite's conftest)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from typing import Any

from testinfra.backend import base

POLL_SECONDS = 1.0
TIMEOUT_SECONDS = 120


class SsmBackend(base.BaseBackend):
    NAME = "ssm"

    def __init__(self, hostname: str, *args: Any, **kwargs: Any) -> None:
        self.instance_id = hostname
        super().__init__(hostname, *args, **kwargs)

    def _aws(self, *args: str) -> dict[str, Any]:
        cmd = ["aws", *args, "--output", "json"]
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if region:
            cmd += ["--region", region]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"aws {args[0]} {args[1]}: {done.stderr.strip().splitlines()[-1:]}")
        return json.loads(done.stdout or "{}")

    def run(self, command: str, *args: str, **kwargs: Any) -> base.CommandResult:
        cmd = self.get_command(command, *args)
        sent = self._aws("ssm", "send-command", "--instance-ids", self.instance_id,
                         "--document-name", "AWS-RunShellScript", "--comment", "siaga verify",
                         "--parameters", json.dumps({"commands": [cmd]}))
        command_id = sent["Command"]["CommandId"]
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while True:
            try:
                inv = self._aws("ssm", "get-command-invocation", "--command-id", command_id,
                                "--instance-id", self.instance_id)
            except RuntimeError as exc:  # InvocationDoesNotExist right after send-command
                if "InvocationDoesNotExist" not in str(exc) or time.monotonic() > deadline:
                    raise
                inv = {"Status": "Pending"}
            if inv["Status"] not in {"Pending", "InProgress", "Delayed"}:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"ssm {self.instance_id}: command still {inv['Status']} after {TIMEOUT_SECONDS} s")
            time.sleep(POLL_SECONDS)
        rc = int(inv.get("ResponseCode", -1))
        return self.result(rc, self.encode(cmd), inv.get("StandardOutputContent", "").encode(),
                           inv.get("StandardErrorContent", "").encode())
