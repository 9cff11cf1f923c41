"""A program's graph under the pulumi SDK's own mocks, to compare with the offline engine's (issue #24).

``python tests/mock_graph.py PROGRAM_DIR STACK`` runs the program in this fresh process under ``pulumi.runtime.
set_mocks`` (preview off, mock ids) with a ``MockMonitor`` that keeps every raw ``RegisterResourceRequest`` /
``ReadResourceRequest`` (the mock's ``MockResourceArgs`` carries no parent), and prints one JSON object:
``{"resources": [[type, name, parent_type, parent_name, custom], ...]}`` sorted. URNs are built from the whole
parent chain as the engine builds them (the mock keeps only the parent's last type). Outputs are what the offline
engine answers (invokes, computed outputs, a remote component's declared outputs), so the same program runs: the
comparison is about which resources the program registers and under which parent, not about values.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import threading
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    program, stack = Path(argv[1]).resolve(), argv[2]
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from siaga.engine import invokes, outputs, remote
    from siaga.engine.declarations import Declarations
    from siaga.engine.project import load_project, load_stack_config

    proj = load_project(program)
    config, secret_keys = load_stack_config(proj, stack, {})
    region = config.get("aws:region") or invokes.DEFAULT_REGION
    os.environ["PULUMI_CONFIG"] = json.dumps(config)
    sys.path.insert(0, str(program))
    import pulumi
    from pulumi.runtime import mocks, settings

    decl = Declarations(python=None)
    seen: list[tuple[str, str, str, bool]] = []

    def make_urn(parent: str, type_: str, name: str) -> str:
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != "pulumi:pulumi:Stack":
                type_ = parent_type + "$" + type_
        return "urn:pulumi:" + "::".join([stack, proj.name, type_, name])

    class Monitor(mocks.MockMonitor):
        def make_urn(self, parent: str, type_: str, name: str) -> str:
            return make_urn(parent, type_, name)

        def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method's name
            if request.type != "pulumi:pulumi:Stack":
                seen.append((make_urn(request.parent, request.type, request.name), request.parent,
                             request.type, bool(request.custom)))
            current.remote = request.remote, make_urn(request.parent, request.type, request.name)
            return super().RegisterResource(request)

        def ReadResource(self, request: Any) -> Any:  # noqa: N802
            seen.append((make_urn(request.parent, request.type, request.name), request.parent, request.type, True))
            return super().ReadResource(request)

    monitor: Monitor
    current = threading.local()  # the registration new_resource is answering (it runs in RegisterResource's thread)

    class Mocks(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict]:
            declared = decl.outputs_of(args.typ)
            if args.typ.startswith("pulumi:providers:"):
                return "provider-id", dict(args.inputs)
            is_remote, urn = getattr(current, "remote", (False, ""))
            if is_remote and not args.custom:
                outs, children = remote.answer(args.typ, args.name, urn, dict(args.inputs), region, declared,
                                               decl.outputs_of, make_urn, preview=False)
                for child in children:
                    monitor.resources[child.urn] = mocks.MockMonitor.ResourceRegistration(
                        child.urn, child.id, child.state)
                return "", outs
            if args.resource_id:  # a read (ReadResource passes the id it reads)
                from siaga.engine.reads import read_outputs

                outs, _ = read_outputs(args.typ, args.name, args.resource_id, dict(args.inputs), region, {},
                                       preview=False, declared=declared)
                return args.resource_id, outs
            if not args.custom:
                return "", dict(args.inputs)
            return outputs.computed(args.typ, args.name, dict(args.inputs), region, declared=declared)

        def call(self, args: mocks.MockCallArgs) -> dict:
            return invokes.answer(args.token, dict(args.args), region) or {}

    monitor = Monitor(Mocks())
    pulumi.runtime.set_all_config(config, secret_keys)
    pulumi.runtime.set_mocks(monitor.mocks, project=proj.name, stack=stack, preview=False, monitor=monitor)
    settings.set_root_resource(None)  # type: ignore[arg-type]
    os.chdir(program)
    pulumi.runtime.sync_await._sync_await(  # type: ignore[attr-defined]
        pulumi.runtime.run_in_stack(lambda: runpy.run_path(str(proj.main_file), run_name="__main__")))
    rows = sorted({(urn.split("::")[2].split("$")[-1], urn.split("::")[3],
                    parent.split("::")[2].split("$")[-1] if parent else "", parent.split("::")[3] if parent else "",
                    custom) for urn, parent, _, custom in seen})
    print(json.dumps({"resources": rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
