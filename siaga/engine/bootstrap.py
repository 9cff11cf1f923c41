"""Runs one Pulumi program with the program's own interpreter and ``pulumi`` SDK, connected to siaga's engine.

Started BY PATH (``<python> -u .../bootstrap.py SPEC``) with the interpreter the program's Pulumi.yaml selects
(siaga/engine/toolchain.py): it imports only the standard library and the program's own ``pulumi`` package (siaga
is not installed there), like the CLI's ``pulumi-language-python-exec``. It reads the spec (a 0600 file siaga
wrote in its private temporary folder) and deletes it before the program starts, sets the config the way the
exec script does (``set_all_config`` and ``PULUMI_CONFIG``), imports the SDK, reads the engine's address from the
pipe the spec names (siaga starts its engine while this interpreter starts), configures the SDK with it, and
runs ``__main__`` through ``run_in_stack``. Everything the program registers goes to siaga's monitor over gRPC.

Besides the gRPC services, it tells siaga two things on the file descriptor the spec names (JSON lines): config
keys the program reads as secrets (``require_secret``, ``get_secret*``: their values are redacted everywhere), and,
when the program raises, where (its own file and line), the resource being constructed if any, and whether a
computed value (an apply callback, a ``None``) was involved. The full traceback goes to stderr.
"""

import sys

if __name__ == "__main__":
    del sys.path[0]  # this folder (siaga/engine) must not shadow the program's modules (siaga's secrets.py, ...)

import asyncio  # noqa: E402
import contextlib  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import runpy  # noqa: E402
import traceback  # noqa: E402

_report = None


def _send(message):
    if _report is None:
        return
    try:
        _report.write(json.dumps(message) + "\n")
        _report.flush()
    except (OSError, ValueError, TypeError):
        pass


def _read_spec(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _read_address(fd):
    """The engine's ``host:port``, one line on the pipe ``fd`` (empty when siaga closed it without one)."""
    if not isinstance(fd, int):
        return ""
    try:
        with os.fdopen(fd, "r", encoding="utf-8") as f:
            return f.readline(256).strip()
    except (OSError, ValueError):
        return ""


def _watch_secret_reads(pulumi, config):
    """Config keys read as secrets become secret keys for siaga (their values are redacted wherever they appear)."""
    seen = set()
    for attr in [a for a in dir(pulumi.Config) if "secret" in a and not a.startswith("_")]:
        original = getattr(pulumi.Config, attr)
        if not callable(original):
            continue

        def wrapped(self, key, *args, _original=original, **kwargs):
            try:
                full = self.full_key(key)
            except Exception:  # noqa: BLE001 - the SDK's own call reports a bad key
                full = None
            if full and full not in seen:
                seen.add(full)
                _send({"secretKey": full})
            return _original(self, key, *args, **kwargs)

        setattr(pulumi.Config, attr, wrapped)


def _settings(pulumi, spec):
    """``Settings`` with what this SDK version accepts (older ones lack organization, root_directory...)."""
    from pulumi.runtime import settings as rsettings

    wanted = {
        "monitor": spec["monitor"], "engine": spec["engine"], "project": spec["project"], "stack": spec["stack"],
        "parallel": int(spec.get("parallel") or 8), "dry_run": bool(spec.get("preview")),
        "organization": spec.get("organization") or "organization", "root_directory": spec.get("root"),
        "legacy_apply_enabled": False,
    }
    try:
        params = inspect.signature(rsettings.Settings.__init__).parameters
    except (TypeError, ValueError):
        params = {}
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return rsettings.Settings(**{k: v for k, v in wanted.items() if accepts_any or k in params})


class _WithoutDebugLogs:
    """The SDK's engine stub, without the ``Log`` calls at DEBUG severity.

    The SDK logs several debug lines per resource ("Registering resource ...", "beginning rpc ...") with a
    *blocking* ``Engine.Log`` from the event loop's thread: each stalls the program for a round trip (4,000 on an
    880-resource program, 2.8 s). siaga's engine keeps warnings and errors only (``Recorder.log``), as the CLI shows
    debug lines only when asked to (``-v``); sending them without waiting still cost 13 % of the program's time in
    gRPC call objects (py-spy), so they are not sent at all. Every other severity (info, warning, error) goes to
    the engine synchronously, as the SDK wants it delivered before it goes on."""

    def __init__(self, stub, debug):
        self._stub, self._debug = stub, debug

    def __getattr__(self, name):
        return getattr(self._stub, name)

    def Log(self, request, *args, **kwargs):  # noqa: N802 - the stub's method name
        if getattr(request, "severity", None) == self._debug:
            return None
        return self._stub.Log(request, *args, **kwargs)


def _program(main_file):
    """The program as ``run_in_stack`` runs it: ``__main__`` and then, when this SDK allows it, a wait for the RPCs it
    started, with the SDK's own ``wait_for_rpcs(await_all_outstanding_tasks=False)``.

    Why: after the program returns, the SDK waits for its outstanding outputs in a loop of
    ``asyncio.wait(all pending outputs, FIRST_COMPLETED)`` (pulumi/runtime/stack.py): every wake-up adds and removes a
    callback on each of the thousands of pending outputs. With an engine in another process the registrations
    complete a few at a time, so that loop wakes up dozens of times over ~7,000 outputs (520 resources): quadratic,
    half of the program's CPU time (measured with py-spy). Waiting for the RPCs first, one by one as the SDK's own
    first loop does, leaves that loop nothing or little to wait for. The same registrations, options and errors
    reach the engine: an RPC that fails raises here exactly as it would in the SDK's loop, and whatever is left
    (outputs of applies that start new RPCs later) is still waited for by the SDK itself."""

    def run_main():
        runpy.run_path(main_file, run_name="__main__")

    try:
        from pulumi.runtime import settings as rsettings
        from pulumi.runtime import stack as rstack

        wait_for_rpcs = rstack.wait_for_rpcs
        manager = rsettings._get_rpc_manager
        if "await_all_outstanding_tasks" not in inspect.signature(wait_for_rpcs).parameters:
            return run_main
    except (ImportError, AttributeError, TypeError, ValueError):  # an SDK without these: its own loop only
        return run_main

    async def settle():
        while True:
            await asyncio.sleep(0)  # the registrations the program just queued start, and join the manager's list
            if not manager().rpcs:
                return
            await wait_for_rpcs(await_all_outstanding_tasks=False)

    def run():
        run_main()
        return settle()

    return run


def _program_file(filename, root, venvs):
    if not filename or filename.startswith("<"):
        return False
    path = os.path.realpath(filename)
    if not path.startswith(root + os.sep):
        return False
    parts = path[len(root):].split(os.sep)
    return not any(p in ("site-packages", "dist-packages") for p in parts) and not any(
        path.startswith(v + os.sep) for v in venvs)


def _chain(exc):
    seen = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _where(exc, root, venvs, pulumi):
    """(file:line in the program's own files, the resource being constructed, whether a computed value was
    involved) of an exception the program raised: the innermost frame of each, the raised exception first, then
    what it was raised from."""
    sdk = os.path.realpath(os.path.dirname(pulumi.__file__)) + os.sep
    resource_cls = getattr(pulumi, "Resource", None)
    place = resource = None
    computed = False
    for e in _chain(exc):
        found_place = found_resource = None
        for frame, lineno in traceback.walk_tb(e.__traceback__):
            filename = frame.f_code.co_filename
            real = filename if filename.startswith("<") else os.path.realpath(filename)
            if _program_file(filename, root, venvs):
                found_place = (os.path.relpath(real, root), lineno)
            loc = frame.f_locals
            if real.startswith(sdk):
                if os.path.basename(real) == "output.py":
                    computed = True  # raised in an apply callback, or awaiting one
                ty, name = loc.get("ty") or loc.get("t"), loc.get("name")
                if isinstance(ty, str) and isinstance(name, str) and ":" in ty:
                    found_resource = [ty, name]
            elif frame.f_code.co_name == "__init__" and resource_cls is not None and isinstance(
                    loc.get("self"), resource_cls):
                me = loc["self"]
                ty, name = getattr(me, "_type", None), getattr(me, "_name", None)
                if not isinstance(name, str):
                    name = loc.get("resource_name") or loc.get("name")
                if isinstance(name, str):
                    found_resource = [ty if isinstance(ty, str) else type(me).__name__, name]
        place = place or found_place
        resource = resource or found_resource
    text = f"{type(exc).__name__}: {exc}"
    if "NoneType" in text or "Unknown" in text:
        computed = True
    return place, resource, computed


def main(argv):
    global _report
    spec = _read_spec(argv[1])
    fd = spec.pop("report_fd", None)
    for inherited in (fd, spec.get("address_fd")):
        if isinstance(inherited, int):
            os.set_inheritable(inherited, False)  # the program's children do not get them
    if isinstance(fd, int):
        _report = os.fdopen(fd, "w", encoding="utf-8")
    config = spec.get("config") or {}
    secret_keys = sorted(spec.get("secret_keys") or [])
    # As the language host and the exec script: PULUMI_CONFIG for the program, set_all_config for the SDK. Set now,
    # after exec: in this process's environment, not in /proc/PID/environ nor on any command line.
    os.environ["PULUMI_CONFIG"] = json.dumps(config)
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(secret_keys)
    try:
        import pulumi
        import pulumi.runtime
    except ImportError as exc:
        _send({"error": {"type": "ImportError", "message": f"the program's Python ({sys.executable}) has no pulumi "
                                                           f"SDK: {exc}; install its requirements", "file": None,
                         "line": None, "resource": None, "computed": False}})
        return 1
    if hasattr(pulumi.runtime, "set_all_config"):
        pulumi.runtime.set_all_config(config, secret_keys)
    else:  # older SDKs
        for k, v in config.items():
            pulumi.runtime.set_config(k, v)
    _watch_secret_reads(pulumi, config)
    # siaga starts its engine while this interpreter starts: its address comes last
    address = _read_address(spec.get("address_fd"))
    if not address:
        return 1  # siaga could not start its engine (it reports why) or went away
    spec["monitor"] = spec["engine"] = address
    pulumi.runtime.configure(_settings(pulumi, spec))
    from pulumi.runtime import settings as rsettings
    from pulumi.runtime.proto import engine_pb2

    if getattr(rsettings.SETTINGS, "engine", None) is not None:
        rsettings.SETTINGS.engine = _WithoutDebugLogs(rsettings.SETTINGS.engine, engine_pb2.DEBUG)

    main_file = spec["program"]
    root = os.path.realpath(spec.get("root") or os.path.dirname(main_file))
    venvs = [os.path.realpath(v) for v in spec.get("venvs") or []]
    os.chdir(os.path.dirname(main_file))
    sys.path.insert(0, os.path.dirname(main_file))
    sys.argv = [main_file]
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # as the exec script: unobserved futures at exit
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # The SDK makes each RPC from the loop's default executor (min(32, cpus + 4) threads): with the engine in
    # another process every call waits a round trip, so more of them in flight hide that latency.
    from concurrent.futures import ThreadPoolExecutor

    loop.set_default_executor(ThreadPoolExecutor(max_workers=int(spec.get("parallel") or 32)))
    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(_program(main_file)))
        return 0
    except SystemExit as exc:
        _send({"error": {"type": "SystemExit", "message": f"the program exited with status {exc.code}",
                         "file": None, "line": None, "resource": None, "computed": False}})
        return 1
    except BaseException as exc:  # noqa: BLE001 - reported to siaga as one line, the traceback on stderr
        traceback.print_exc(file=sys.stderr)
        try:
            place, resource, computed = _where(exc, root, venvs, pulumi)
        except Exception:  # noqa: BLE001 - never hide the program's error behind ours
            place, resource, computed = None, None, False
        run_error = isinstance(exc, getattr(pulumi, "RunError", ()))
        missing = getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
        _send({"error": {"type": type(exc).__name__, "message": str(exc), "run_error": run_error,
                         "file": place[0] if place else None, "line": place[1] if place else None,
                         "resource": resource, "computed": computed,
                         "module": missing if isinstance(missing, str) else None, "python": sys.executable}})
        return 1
    finally:
        try:
            loop.close()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()


if __name__ == "__main__":
    code = main(sys.argv)
    # Everything is registered and flushed: skip the interpreter's teardown (collecting every provider module and
    # the gRPC threads takes seconds on a large program), as nothing the program left matters to the engine now.
    if _report is not None:
        with contextlib.suppress(OSError, ValueError):
            _report.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
