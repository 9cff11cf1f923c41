"""The offline engine: serves the engine's gRPC monitor, runs a Pulumi program in its own interpreter, records the graph.

Names are imported from their modules on first use, so that starting a program (``siaga.engine.preview``)
does not wait for the graph model to import."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from siaga.engine.model import Graph, Resource, SourceLocation
    from siaga.engine.preview import EngineError, run_program, run_stack

_WHERE = {"Graph": "model", "Resource": "model", "SourceLocation": "model",
          "EngineError": "preview", "run_program": "preview", "run_stack": "preview"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"siaga.engine.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'siaga.engine' has no attribute {name!r}")


__all__ = ["EngineError", "Graph", "Resource", "SourceLocation", "run_program", "run_stack"]
