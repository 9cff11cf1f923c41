"""A testinfra backend for a host that is a set of namespaces on this machine (a systemd-nspawn container, a
test host): ``--hosts=nsenter://<PID of its init>`` runs every command through ``nsenter --target PID --all``
(root on this machine needed)."""

from __future__ import annotations

from typing import Any

from testinfra.backend import base


class NsenterBackend(base.BaseBackend):
    NAME = "nsenter"

    def __init__(self, hostname: str, *args: Any, **kwargs: Any) -> None:
        if not hostname.isdigit():
            raise ValueError(f"nsenter://{hostname}: expected the PID of the host's init process")
        self.pid = hostname
        super().__init__(hostname, *args, **kwargs)

    def run(self, command: str, *args: str, **kwargs: Any) -> base.CommandResult:
        cmd = self.get_command(command, *args)
        return self.run_local("nsenter --target %s --all -- /bin/sh -c %s", self.pid, cmd)
