"""The baseline of `make bench`: a program run bare under the pulumi SDK's own mocks, in one fresh process.

``python bench/bare_mocks.py PROGRAM_DIR STACK [key=value ...]`` prints the number of resources registered and the
seconds the run took (import and program, as one process). No recording, no outputs computed, no policy: what the
SDK itself costs, which ``siaga check`` (engine + program + policies + report) is compared with. The config is the
one ``siaga check`` gives the program; invokes get the offline engine's answers and resources its computed outputs
(siaga/engine/invokes.py, outputs.py: pure functions, ~0.04 ms a resource), or programs that read an account id or
apply on an ARN could not run at all.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import time
from pathlib import Path

START = time.perf_counter()


def main(argv: list[str]) -> int:
    program, stack = Path(argv[1]).resolve(), argv[2]
    # the config exactly as `siaga check` gives it (project defaults, the stack file where Pulumi.yaml's
    # stackConfigDir puts it, overrides), so both runs are the same program
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from siaga.engine import invokes, outputs
    from siaga.engine.project import load_project, load_stack_config

    proj = load_project(program)
    project = proj.name
    config, secret_keys = load_stack_config(proj, stack, dict(pair.partition("=")[::2] for pair in argv[3:]))
    sys.path.pop(0)
    region = config.get("aws:region") or invokes.DEFAULT_REGION
    os.environ["PULUMI_CONFIG"] = json.dumps(config)
    import pulumi
    from pulumi.runtime import mocks, settings

    count = 0

    class Mocks(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict]:
            nonlocal count
            count += 1
            if not args.custom:
                return "", dict(args.inputs)
            # the outputs the offline engine computes (ids, ARNs, names...): programs apply on them
            return outputs.computed(args.typ, args.name, dict(args.inputs), region)

        def call(self, args: mocks.MockCallArgs) -> dict:
            # the data sources answered as the offline engine answers them (a pure table): without them the
            # reference program cannot run (it reads the caller's account, the AZs...)
            return invokes.answer(args.token, dict(args.args), region) or {}

    pulumi.runtime.set_all_config(config, secret_keys)
    pulumi.runtime.set_mocks(Mocks(), project=project, stack=stack, preview=False)
    settings.set_root_resource(None)  # type: ignore[arg-type]
    os.chdir(program)
    sys.path.insert(0, str(program))
    main_file = proj.main_file
    pulumi.runtime.sync_await._sync_await(  # type: ignore[attr-defined]
        pulumi.runtime.run_in_stack(lambda: runpy.run_path(str(main_file), run_name="__main__")))
    print(json.dumps({"resources": count, "seconds": time.perf_counter() - START}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
